using System.Collections.Concurrent;
using System.Reflection;
using Credentials.Functions.AccessControl;
using Credentials.Functions.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;

namespace Credentials.Functions.Api;

/// <summary>
/// The admit prelude of every credential endpoint, run before the function: <c>Cache-Control: no-store</c>, then
/// <see cref="CredentialRequestGate"/> (401, 400, 403 or 503 answered here), then the caller handed to the function as
/// <see cref="AdmittedCaller"/>. Functions without <see cref="RequiresPermissionAttribute"/> pass straight through.
/// </summary>
public sealed class CallerAdmission(CredentialRequestGate gate, ProviderApiProxy proxy)
{
    private static readonly ConcurrentDictionary<MethodInfo, RequiresPermissionAttribute?> Requirements = new();

    /// <summary>True when the function may run; false when the refusal has been written to the response.</summary>
    /// <param name="routeValue">The request's route value of that name, or null.</param>
    public async Task<bool> AdmitAsync(HttpContext http, MethodInfo function, Func<string, string?> routeValue)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(routeValue);
        if (Requirements.GetOrAdd(function, static method => method.GetCustomAttribute<RequiresPermissionAttribute>()) is not { } requirement)
        {
            return true;
        }

        http.Response.Headers.CacheControl = "no-store";
        // The proxy is checked per method class and on the target API's resource, so a role can be read-only, or limited
        // to one API of a connection (docs/authorization.md).
        var proxied = requirement.Permission == CredentialPermissions.Proxy;
        var permission = proxied ? CredentialPermissions.ProxyFor(http.Request.Method) : requirement.Permission;
        var admitted = await gate.AdmitAsync(http.Request, permission, routeValue("userId") ?? string.Empty, routeValue("connectionId"),
            proxied ? connection => proxy.ApiNameAsync(http.Request, connection) : null);
        if (admitted.Succeeded)
        {
            http.Features.Set(admitted.Value);
            return true;
        }

        await FailureProblems.For(http, admitted.Failure).ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
        return false;
    }
}
