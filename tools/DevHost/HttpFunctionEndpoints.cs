using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.DevHost;

/// <summary>Serves each HTTP-triggered function under the route prefix with its own route and methods.</summary>
internal static class HttpFunctionEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, IEnumerable<HttpFunctionDescriptor> functions, string routePrefix)
    {
        foreach (var function in functions)
        {
            var binders = function.Method.GetParameters().Select(p => BinderFor(function, p)).ToArray();
            var pattern = string.IsNullOrEmpty(routePrefix) ? function.Route : $"{routePrefix}/{function.Route.TrimStart('/')}";
            endpoints.MapMethods(pattern, function.HttpMethods, async http =>
                {
                    var admission = http.RequestServices.GetRequiredService<CallerAdmission>();
                    if (!await admission.AdmitAsync(http, function.Method, name => http.Request.RouteValues.TryGetValue(name, out var value) ? value?.ToString() : null))
                    {
                        return;
                    }

                    var arguments = binders.Select(bind => bind(http)).ToArray();
                    var result = await FunctionInvoker.InvokeAsync(function.Method, http.RequestServices, arguments);
                    await WriteResultAsync(http, result);
                })
                .WithDisplayName(function.Name);
        }
    }

    private static Func<HttpContext, object?> BinderFor(HttpFunctionDescriptor function, ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null)
        {
            return parameter.ParameterType == typeof(HttpRequest)
                ? http => http.Request
                : throw Unsupported(function, parameter, "the dev host serves the ASP.NET Core integration model: the trigger must be an HttpRequest");
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return http => http.RequestAborted;
        }

        if (parameter.ParameterType == typeof(FunctionContext))
        {
            throw Unsupported(function, parameter, "FunctionContext exists only inside the Functions worker; take services from the constructor instead");
        }

        var converter = TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType);
        var fallback = parameter.ParameterType.IsValueType ? Activator.CreateInstance(parameter.ParameterType) : null;
        return http => http.Request.RouteValues.TryGetValue(parameter.Name!, out var raw) && raw is not null
            ? converter.ConvertFrom(null, CultureInfo.InvariantCulture, raw.ToString()!)
            : fallback;
    }

    private static async Task WriteResultAsync(HttpContext http, object? result)
    {
        var actionResult = result switch
        {
            IActionResult direct => direct,
            null => null,
            _ => new ObjectResult(result) { StatusCode = StatusCodes.Status200OK },
        };
        if (actionResult is not null)
        {
            await actionResult.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
        }
    }

    private static InvalidOperationException Unsupported(HttpFunctionDescriptor function, ParameterInfo parameter, string why) =>
        new($"Function '{function.Name}' parameter '{parameter.Name}': {why}.");
}
