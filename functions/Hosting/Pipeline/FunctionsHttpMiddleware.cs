using Credentials.Functions.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Credentials.Functions.Hosting.Pipeline;

/// <summary>
/// Runs <see cref="HttpInvocationGuard"/> and then <see cref="CallerAdmission"/> around every HTTP function in the
/// Functions worker; the dev host runs the same two steps.
/// </summary>
internal sealed class FunctionsHttpMiddleware(HttpInvocationGuard guard, CallerAdmission admission, FunctionCatalog catalog) : IFunctionsWorkerMiddleware
{
    private readonly Dictionary<string, HttpFunctionDescriptor> _functions = catalog.HttpFunctions.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        return http is null ? next(context) : guard.InvokeAsync(http, async () =>
        {
            // An HTTP function missing from the catalog cannot be checked for a permission: refuse it (500) rather than run it.
            var function = _functions.TryGetValue(context.FunctionDefinition.Name, out var found) ? found
                : throw new InvalidOperationException($"HTTP function '{context.FunctionDefinition.Name}' is not in the function catalog.");
            if (await admission.AdmitAsync(http, function.Method, name => RouteValue(context, http, function.Route, name)))
            {
                await next(context);
            }
        });
    }

    /// <summary>
    /// From ASP.NET Core routing when the worker populated it, else from the trigger's binding data (where the worker
    /// binds the function's route parameters from), else from the request path matched against the function's route.
    /// </summary>
    private static string? RouteValue(FunctionContext context, HttpContext http, string route, string name) =>
        http.Request.RouteValues.TryGetValue(name, out var routed) && routed is not null ? routed.ToString()
        : context.BindingContext.BindingData.TryGetValue(name, out var bound) && bound is not null ? bound.ToString()
        : RouteTemplateValues.Match(route, http.Request.Path)?.GetValueOrDefault(name)?.ToString();
}
