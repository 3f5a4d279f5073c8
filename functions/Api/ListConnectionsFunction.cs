using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>A user's connections' metadata, paged, optionally only those matching every <c>metadata.{key}={value}</c>; never a token.</summary>
public sealed class ListConnectionsFunction(ConnectionStore store)
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
        if (QueryParameters.WholeNumber(request, "pageSize", DefaultPageSize, 1, MaxPageSize, out var problem) is not { } pageSize)
        {
            return problem!;
        }

        if (QueryParameters.MetadataFilter(request, out problem) is not { } filter)
        {
            return problem!;
        }

        var continuation = request.Query["continuationToken"].ToString() is { Length: > 0 } token ? token : null;
        var page = await store.ListByUserAsync(userId, pageSize, continuation, request.HttpContext.RequestAborted);
        return new OkObjectResult(new ConnectionList(
            page.Items.Where(c => MetadataTags.Matches(c.Metadata, filter)).Select(ConnectionMetadata.From).ToList(), page.ContinuationToken));
    }
}
