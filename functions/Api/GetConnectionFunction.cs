using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>One connection's metadata (provider, status, scopes, timestamps); never a token.</summary>
public sealed class GetConnectionFunction(ConnectionStore store)
{
    [Function("GetConnection")]
    [RequiresPermission(CredentialPermissions.List)]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}/connections/{connectionId}")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var connection = AdmittedCaller.Of(request).RequiredConnection;
        var record = await store.GetAsync(connection, request.HttpContext.RequestAborted);
        return record is null
            ? await ConnectionNotFound.ProblemAsync(request.HttpContext, store, connection)
            : new OkObjectResult(ConnectionMetadata.From(record));
    }
}
