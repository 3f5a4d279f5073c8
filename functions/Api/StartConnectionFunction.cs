using Credentials.Functions.AccessControl;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.OAuthConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>Starts connecting a user: answers the provider's authorization URL (state and PKCE kept server-side).</summary>
public sealed class StartConnectionFunction(ConnectionStarter starter)
{
    [Function("StartConnection")]
    [RequiresPermission(CredentialPermissions.Create)]
    public async Task<IActionResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/connections")] HttpRequest request,
        string userId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        if (await JsonBody.ReadAsync<StartConnectionRequest>(request) is not { } body)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid start request.",
                $"Send at most {JsonBody.MaxBytes} bytes of JSON: {{ \"provider\": \"...\", \"connectionId\"?: \"...\", \"scopes\"?: [\"...\"], \"returnUrl\"?: \"...\", \"metadata\"?: {{ \"key\": \"value\" }} }}.");
        }

        var started = await starter.StartAsync(AdmittedCaller.Of(request).Caller, userId, body, CorrelationId.Establish(http), http.RequestAborted);
        return started.Succeeded
            ? new ObjectResult(started.Value) { StatusCode = StatusCodes.Status201Created }
            : FailureProblems.For(http, started.Failure);
    }
}
