using Credentials.Functions.AccessControl;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.SecretConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// Stores (or replaces: a rotation) a connection's API key or basic credentials, for the user themselves (self-service)
/// or an administrator with <c>credentials:create</c>. Answers the connection's metadata, never the secret.
/// </summary>
public sealed class SubmitSecretFunction(SecretSubmitter submitter)
{
    [Function("SubmitSecret")]
    [RequiresPermission(CredentialPermissions.Create)]
    public async Task<IActionResult> Submit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "api/users/{userId}/connections/{connectionId}/secret")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        if (await JsonBody.ReadAsync<SubmitSecretRequest>(request) is not { Provider: { Length: > 0 } provider } body)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid secret submission.",
                $"Send at most {JsonBody.MaxBytes} bytes of JSON: {{ \"provider\": \"...\", \"secret\": \"...\" }} for an API key, or "
                + "{ \"provider\": \"...\", \"username\": \"...\", \"password\": \"...\" } for basic credentials.");
        }

        var admitted = AdmittedCaller.Of(request);
        var stored = await submitter.SubmitAsync(new SecretSubmission(admitted.RequiredConnection, provider, body.Secret, body.Username, body.Password),
            admitted.Caller.Id, CorrelationId.Establish(http), http.RequestAborted);
        return stored.Succeeded
            ? new ObjectResult(ConnectionMetadata.From(stored.Value.Record)) { StatusCode = stored.Value.Rotated ? StatusCodes.Status200OK : StatusCodes.Status201Created }
            : FailureProblems.For(http, stored.Failure);
    }
}
