using System.Globalization;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.Api;

/// <summary>The service's main job: a fresh access token of a user's connection, for a caller with <c>credentials:read</c>.</summary>
public sealed class AccessTokenFunction(AccessTokenService tokens, IOptions<RefreshOptions> options)
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

        var minValidity = options.Value.DefaultMinValidity;
        if (request.Query.TryGetValue("minValiditySeconds", out var raw))
        {
            if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > AccessTokenRequest.MaxMinValidity.TotalSeconds)
            {
                return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "minValiditySeconds is out of range.",
                    $"minValiditySeconds must be a whole number from 0 to {AccessTokenRequest.MaxMinValidity.TotalSeconds}.");
            }

            minValidity = TimeSpan.FromSeconds(seconds);
        }

        var result = await tokens.GetAsync(
            new AccessTokenRequest(userId, connectionId, minValidity, admitted.Caller.Id, CorrelationId.Establish(http), admitted.AllowedBecause), http.RequestAborted);
        return result.Succeeded ? new OkObjectResult(AccessTokenResponse.From(result.Value, connectionId)) : FailureProblems.For(http, result.Failure);
    }
}
