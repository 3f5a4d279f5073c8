using Credentials.Functions.AccessControl;
using Credentials.Functions.Connections;
using Credentials.Functions.Proxy;
using Credentials.Functions.Refresh;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>
/// Calls the connection's provider API as the user, for a caller with <c>credentials:proxy.read</c> (GET, HEAD) or
/// <c>credentials:proxy.write</c> (other methods), or <c>credentials:proxy</c> for both; it never sees the token
/// (docs/proxy.md). <see cref="CallerAdmission"/> picks the method class. Any method; the path after the connection goes to the API named in <c>X-Credentials-Api</c>.
/// </summary>
public sealed class ProxyFunction(ProviderApiProxy proxy, ConnectionStore store)
{
    [Function("ProxyProviderApi")]
    [RequiresPermission(CredentialPermissions.Proxy)]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", "put", "patch", "delete",
            Route = "api/proxy/users/{userId}/connections/{connectionId}/{*path}")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var admitted = AdmittedCaller.Of(request);
        var result = await proxy.ForwardAsync(request, admitted.RequiredConnection, admitted.Caller.Id, admitted.AllowedBecause, admitted.Api);
        return result.Succeeded ? result.Value
            : result.Failure.Token?.Reason == TokenFailureReason.NotFound ? await ConnectionNotFound.ProblemAsync(request.HttpContext, store, admitted.RequiredConnection)
            : FailureProblems.For(request.HttpContext, result.Failure);
    }
}
