using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Api;

/// <summary>
/// Answers an RFC 8693 token exchange: read the form, admit the caller (<c>credentials:read</c> on the connection, as on
/// the REST route), hand out the access token (narrowed to <c>scope</c> when it names fewer scopes than the grant)
/// through the same service, and answer RFC 6749 errors.
/// </summary>
public sealed class TokenExchangeHandler(
    CredentialRequestGate gate, AccessTokenService tokens, NarrowedResourceGate resources, IOptions<RefreshOptions> options, TimeProvider time,
    ConnectionStore store)
{
    public async Task<IActionResult> HandleAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        // Every answer of a token endpoint, token or error, is not to be cached (RFC 6749 §5.1).
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        var read = await TokenExchangeRequest.ReadAsync(request);
        if (!read.Succeeded)
        {
            return OAuthErrors.BadRequest(http, read.Failure.Error, read.Failure.Description, read.Failure.Code);
        }

        var admitted = await gate.AdmitAsync(http, read.Value.Authorization, CredentialPermissions.Read, read.Value.UserId, read.Value.ConnectionId);
        if (!admitted.Succeeded)
        {
            return OAuthErrors.For(http, admitted.Failure);
        }

        var result = await tokens.GetAsync(new AccessTokenRequest(admitted.Value.RequiredConnection, options.Value.DefaultMinValidity, admitted.Value.Caller.Id,
            CorrelationId.Establish(http), admitted.Value.AllowedBecause, Scopes: read.Value.Scopes, AuthorizeResources: resources.For(http, admitted.Value)),
            http.RequestAborted);
        return result.Succeeded ? new OkObjectResult(TokenExchangeResponse.From(result.Value, time.GetUtcNow()))
            : result.Failure.Reason == TokenFailureReason.NotFound
                ? OAuthErrors.BadRequest(http, OAuthErrors.InvalidTarget,
                    await ConnectionNotFound.DetailAsync(store, admitted.Value.RequiredConnection, http.RequestAborted), ProblemCodes.ConnectionNotFound)
            : OAuthErrors.For(http, result.Failure);
    }
}
