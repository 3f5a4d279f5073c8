using Credentials.Functions.AccessControl;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Api;

/// <summary>The caller <see cref="CallerAdmission"/> let through, and which grant allowed it (for the audit).</summary>
public sealed record AdmittedCaller(Caller Caller, string? AllowedBecause)
{
    /// <summary>
    /// The admitted caller of this request. A function marked <see cref="RequiresPermissionAttribute"/> that runs without
    /// admission (a host that skipped the step) fails closed here instead of serving anyone.
    /// </summary>
    public static AdmittedCaller Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.HttpContext.Features.Get<AdmittedCaller>()
            ?? throw new InvalidOperationException("This function requires an admitted caller, but no admission ran for the request.");
    }
}
