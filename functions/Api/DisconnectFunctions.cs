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
public sealed class DisconnectFunctions(CredentialRequestGate gate, ConnectionRemover remover)
{
    [Function("DeleteConnection")]
    public async Task<IActionResult> Delete(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/users/{userId}/connections/{connectionId}")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var admitted = await gate.AdmitAsync(request, CredentialPermissions.Delete, userId, connectionId);
        if (admitted.Caller is not { } caller)
        {
            return admitted.Rejection!;
        }

        await remover.DisconnectAsync(userId, connectionId, caller.Id, CorrelationId.Establish(request.HttpContext), AuditActions.Disconnect,
            request.HttpContext.RequestAborted);
        return new NoContentResult();
    }

    [Function("PurgeConnections")]
    public async Task<IActionResult> Purge(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/users/{userId}/connections")] HttpRequest request,
        string userId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var admitted = await gate.AdmitAsync(request, CredentialPermissions.Delete, userId, null);
        if (admitted.Caller is not { } caller)
        {
            return admitted.Rejection!;
        }

        await remover.PurgeAsync(userId, caller.Id, CorrelationId.Establish(request.HttpContext), request.HttpContext.RequestAborted);
        return new NoContentResult();
    }
}
