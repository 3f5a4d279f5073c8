using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Api;

/// <summary>
/// The service's main job: a fresh access token of a user's connection, for a caller with <c>credentials:read</c>;
/// with <c>scope</c>, a narrower one.
/// </summary>
public sealed class AccessTokenFunction(AccessTokenService tokens, NarrowedResourceGate resources, IOptions<RefreshOptions> options, ConnectionStore store)
{
    [Function("GetAccessToken")]
    [RequiresPermission(CredentialPermissions.Read)]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}/connections/{connectionId}/access-token")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        var admitted = AdmittedCaller.Of(request);

        if (AccessTokenQuery.Read(request, options.Value.DefaultMinValidity, out var problem) is not { } query)
        {
            return problem!;
        }

        var result = await tokens.GetAsync(new AccessTokenRequest(admitted.RequiredConnection, query.MinValidity, admitted.Caller.Id,
            CorrelationId.Establish(http), admitted.AllowedBecause, query.Renew, query.Scopes, AuthorizeResources: resources.For(http, admitted)),
            http.RequestAborted);
        return result.Succeeded ? new OkObjectResult(AccessTokenResponse.From(result.Value, connectionId))
            : result.Failure.Reason != TokenFailureReason.NotFound ? FailureProblems.For(http, result.Failure) : await ConnectionNotFound.ProblemAsync(http, store, admitted.RequiredConnection);
    }
}
