using Credentials.Functions.AccessControl;
using Credentials.Functions.Foundation.Telemetry;
using Credentials.Functions.Import;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// An administrator hands over a grant another system holds: proved with one refresh at the provider, then stored as an
/// active connection (201), or answered as it is when the same import was already done (200). The body is never logged.
/// </summary>
public sealed class ImportConnectionFunction(GrantImporter importer)
{
    [Function("ImportConnection")]
    [RequiresPermission(CredentialPermissions.Import)]
    public async Task<IActionResult> Import(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/users/{userId}/connections/{connectionId}/import")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var http = request.HttpContext;
        if (await JsonBody.ReadAsync<ImportGrantRequest>(request) is not { } body)
        {
            return ProblemResults.Create(http, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest, "The body is not a valid import request.",
                $"Send at most {JsonBody.MaxBytes} bytes of JSON: {{ \"provider\": \"...\", \"refreshToken\": \"...\", \"scopes\"?: [\"...\"], " +
                "\"accessToken\"?: \"...\", \"expiresAt\"?: \"<ISO 8601>\", \"replace\"?: false }.");
        }

        var admitted = AdmittedCaller.Of(request);
        var imported = await importer.ImportAsync(admitted.Caller.Id, admitted.RequiredConnection, body, CorrelationId.Establish(http), http.RequestAborted);
        return !imported.Succeeded ? FailureProblems.For(http, imported.Failure) : new ObjectResult(ConnectionMetadata.From(imported.Value.Record))
        {
            StatusCode = imported.Value.Replayed ? StatusCodes.Status200OK : StatusCodes.Status201Created,
        };
    }
}
