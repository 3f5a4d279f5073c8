using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;


using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>Connection metadata (provider, status, scopes, timestamps) for callers with <c>credentials:list</c> or self-service.</summary>
public sealed class ConnectionMetadataFunctions(ConnectionStore store)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    [Function("ListConnections")]
    [RequiresPermission(CredentialPermissions.List)]
    public async Task<IActionResult> List(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}/connections")] HttpRequest request,
        string userId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pageSize = DefaultPageSize;
        if (request.Query.TryGetValue("pageSize", out var raw) && (!int.TryParse(raw, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return ProblemResults.Create(request.HttpContext, StatusCodes.Status400BadRequest, ProblemCodes.InvalidRequest,
                "pageSize is out of range.", $"pageSize must be a whole number from 1 to {MaxPageSize}.");
        }

        var page = await store.ListByUserAsync(userId, pageSize, request.Query["continuationToken"].ToString() is { Length: > 0 } token ? token : null,
            request.HttpContext.RequestAborted);
        return new OkObjectResult(new ConnectionList(page.Items.Select(ConnectionMetadata.From).ToList(), page.ContinuationToken));
    }

    [Function("GetConnection")]
    [RequiresPermission(CredentialPermissions.List)]
    public async Task<IActionResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/users/{userId}/connections/{connectionId}")] HttpRequest request,
        string userId,
        string connectionId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var record = await store.GetAsync(userId, connectionId, request.HttpContext.RequestAborted);
        return record is null
            ? ProblemResults.Create(request.HttpContext, StatusCodes.Status404NotFound, ProblemCodes.ConnectionNotFound, "No such connection.")
            : new OkObjectResult(ConnectionMetadata.From(record));
    }
}
