using Credentials.Functions.AccessControl;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.OAuthConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// The user finishes a pending connection with the one-time code the callback gave their browser: from that browser
/// (its binding cookie comes along) or, for a connection started with <c>"completion": "server"</c>, from the application's server.
/// </summary>
public sealed class CompleteConnectionFunction(ConnectionCompleter completer, BrowserBindingCookie binding)
{
    [Function("CompleteConnection")]
    [RequiresPermission(CredentialPermissions.CompleteOwn)]
    public async Task<IActionResult> Complete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/connections/{connectionId}/complete")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        if ((await JsonBody.ReadAsync<CompleteConnectionRequest>(request))?.Completion is not { Length: > 0 } completion)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid completion request.",
                "Send { \"completion\": \"...\" } with the code the callback returned.");
        }

        var completed = await completer.CompleteAsync(AdmittedCaller.Of(request).Caller.Id, userId, connectionId, completion, binding.Read(request),
            CorrelationId.Establish(http), http.RequestAborted);
        return completed.Succeeded ? new OkObjectResult(ConnectionMetadata.From(completed.Value)) : FailureProblems.For(http, completed.Failure);
    }
}
