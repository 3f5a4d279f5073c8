using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.OAuthConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>The provider's redirect back. Anonymous by design: the single-use state is what authenticates it.</summary>
public sealed class OAuthCallbackFunction(OAuthCallbackHandler callbacks, BrowserBindingCookie binding)
{
    [Function("OAuthCallback")]
    public async Task<IActionResult> Callback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/oauth/callback/{provider}")] HttpRequest request,
        string provider)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        var response = new AuthorizationResponse(Single(query, "state"), Single(query, "code"), Single(query, "error"), Single(query, "iss"));
        var outcome = await callbacks.HandleAsync(provider, response, binding.ReadOrCreate(request), CorrelationId.Establish(request.HttpContext),
            request.HttpContext.RequestAborted);
        if (outcome.BrowserBinding is { } bound)
        {
            binding.Write(request.HttpContext.Response, bound);
        }

        return CallbackResponses.For(request.HttpContext, outcome);
    }

    /// <summary>A parameter sent twice is treated as absent (RFC 6749 §3.1: parameters must not be repeated).</summary>
    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;
}
