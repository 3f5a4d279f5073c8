using Credentials.Functions.AccessControl;
using Credentials.Functions.Disconnect;
using Credentials.Functions.Foundation.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>Purges all of a user's connections (erasure), each as a disconnect. Idempotent: 204 either way.</summary>
public sealed class PurgeConnectionsFunction(ConnectionRemover remover)
{
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
