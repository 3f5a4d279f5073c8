using Credentials.Functions.AccessControl;
using Credentials.Functions.Audit;
using Credentials.Functions.Connections;
using Credentials.Functions.Hosting.Pipeline;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>Disconnect one connection, or purge all of a user's (GDPR erasure). Idempotent: 204 whether or not anything was there.</summary>
public sealed class DisconnectFunctions(ConnectionRemover remover)
{
    [Function("DeleteConnection")]
    [RequiresPermission(CredentialPermissions.Delete)]
    public async Task<IActionResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/users/{userId}/connections/{connectionId}")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        await remover.DisconnectAsync(userId, connectionId, AdmittedCaller.Of(request).Caller.Id, CorrelationId.Establish(request.HttpContext), AuditActions.Disconnect,
            request.HttpContext.RequestAborted);
        return new NoContentResult();
    }

    [Function("PurgeConnections")]
    [RequiresPermission(CredentialPermissions.Delete)]
    public async Task<IActionResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/users/{userId}/connections")] HttpRequest request,
        string userId)
    {
        ArgumentNullException.ThrowIfNull(request);
        await remover.PurgeAsync(userId, AdmittedCaller.Of(request).Caller.Id, CorrelationId.Establish(request.HttpContext), request.HttpContext.RequestAborted);
        return new NoContentResult();
    }
}
