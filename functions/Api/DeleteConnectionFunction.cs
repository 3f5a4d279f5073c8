using Credentials.Functions.AccessControl;
using Credentials.Functions.Audit;
using Credentials.Functions.Disconnect;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>Disconnects one connection: revoked at the provider where possible, then deleted. Idempotent: 204 either way.</summary>
public sealed class DeleteConnectionFunction(ConnectionRemover remover)
{
    [Function("DeleteConnection")]
    [RequiresPermission(CredentialPermissions.Delete)]
    public async Task<IActionResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/users/{userId}/connections/{connectionId}")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var admitted = AdmittedCaller.Of(request);
        await remover.DisconnectAsync(admitted.RequiredConnection, admitted.Caller.Id, CorrelationId.Establish(request.HttpContext), AuditActions.Disconnect,
            request.HttpContext.RequestAborted);
        return new NoContentResult();
    }
}
