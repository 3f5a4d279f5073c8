using Credentials.Functions.AccessControl;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// Changes a connection's tags with a JSON merge patch (RFC 7396), for a caller who may (re)connect it; a result outside
/// the limits is a 400 and nothing is written. The tags stay out of the audit trail: they may name people.
/// </summary>
public sealed class UpdateMetadataFunction(ConnectionMetadataUpdater updater, ConnectionStore store, AuditLog audit, TimeProvider time)
{
    [Function("UpdateConnectionMetadata")]
    [RequiresPermission(CredentialPermissions.Create)]
    public async Task<IActionResult> Update(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/users/{userId}/connections/{connectionId}/metadata")] HttpRequest request,
        string userId, string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (http, admitted) = (request.HttpContext, AdmittedCaller.Of(request));
        var updated = await JsonBody.ReadAsync<Dictionary<string, string?>>(request) is { } patch
            ? await updater.UpdateAsync(admitted.RequiredConnection, patch, http.RequestAborted)
            : new MetadataUpdateFailure(MetadataUpdateFailureReason.Invalid,
                $"Send at most {JsonBody.MaxBytes} bytes of one JSON object of strings (to set) and nulls (to remove). {MetadataTags.Limits}");
        if (!updated.Succeeded)
        {
            return updated.Failure.Reason == MetadataUpdateFailureReason.NotFound
                ? await ConnectionNotFound.ProblemAsync(http, store, admitted.RequiredConnection)
                : FailureProblems.For(http, updated.Failure);
        }

        await audit.AppendAsync(new AuditEvent(admitted.Caller.Id, userId, connectionId, AuditActions.UpdateMetadata, "updated",
            CorrelationId.Establish(http), time.GetUtcNow()), http.RequestAborted);
        return new OkObjectResult(ConnectionMetadata.From(updated.Value));
    }
}
