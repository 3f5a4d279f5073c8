using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Microsoft.AspNetCore.Http;

namespace Credentials.Functions.Api;

/// <summary>
/// The caller <see cref="CallerAdmission"/> let through, which grant allowed it (for the audit), and the route's ids as
/// admission checked them: <see cref="UserId"/> always, <see cref="Connection"/> on routes that name a connection.
/// </summary>
public sealed record AdmittedCaller(Caller Caller, string? AllowedBecause, string UserId, ConnectionKey? Connection)
{
    /// <summary>The connection the route names; only for functions whose route has <c>{connectionId}</c>.</summary>
    public ConnectionKey RequiredConnection =>
        Connection ?? throw new InvalidOperationException("This route names no connection.");

    /// <summary>The provider API whose resource the permission was asked on (the proxy); null when it was asked on the connection or above.</summary>
    public string? Api { get; init; }

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
