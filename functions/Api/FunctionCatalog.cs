using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.Functions.Api;

/// <summary>An HTTP-triggered function: its route is relative to host.json's route prefix.</summary>
public sealed record HttpFunctionDescriptor(string Name, MethodInfo Method, string Route, IReadOnlyList<string> HttpMethods);

/// <summary>A timer-triggered function with its schedule exactly as written (it may hold <c>%Setting%</c> expressions).</summary>
public sealed record TimerFunctionDescriptor(string Name, MethodInfo Method, string Schedule, bool RunOnStartup);

/// <summary>A queue-triggered function with its queue name exactly as written (it may hold <c>%Setting%</c> expressions).</summary>
public sealed record QueueFunctionDescriptor(string Name, MethodInfo Method, string QueueName);

/// <summary>The app's functions, read from their <c>[Function]</c> attributes: the one description of what the app serves.</summary>
public sealed class FunctionCatalog
{
    private FunctionCatalog(IReadOnlyList<HttpFunctionDescriptor> http, IReadOnlyList<TimerFunctionDescriptor> timers, IReadOnlyList<QueueFunctionDescriptor> queues)
    {
        HttpFunctions = http;
        TimerFunctions = timers;
        QueueFunctions = queues;
    }

    public IReadOnlyList<HttpFunctionDescriptor> HttpFunctions { get; }

    public IReadOnlyList<TimerFunctionDescriptor> TimerFunctions { get; }

    public IReadOnlyList<QueueFunctionDescriptor> QueueFunctions { get; }

    public static FunctionCatalog ForAssembly(Assembly assembly) => ForAssemblies([assembly]);

    public static FunctionCatalog ForAssemblies(IEnumerable<Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var http = new List<HttpFunctionDescriptor>();
        var timers = new List<TimerFunctionDescriptor>();
        var queues = new List<QueueFunctionDescriptor>();

        var methods = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly));
        foreach (var method in methods)
        {
            var function = method.GetCustomAttribute<FunctionAttribute>();
            if (function is null)
            {
                continue;
            }

            foreach (var parameter in method.GetParameters())
            {
                if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } httpTrigger)
                {
                    var verbs = httpTrigger.Methods is { Length: > 0 } declared
                        ? declared.Select(m => m.ToUpperInvariant()).ToArray()
                        : ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
                    http.Add(new HttpFunctionDescriptor(function.Name, method, httpTrigger.Route ?? function.Name, verbs));
                }
                else if (parameter.GetCustomAttribute<TimerTriggerAttribute>() is { } timerTrigger)
                {
                    timers.Add(new TimerFunctionDescriptor(function.Name, method, timerTrigger.Schedule, timerTrigger.RunOnStartup));
                }
                else if (parameter.GetCustomAttribute<QueueTriggerAttribute>() is { } queueTrigger)
                {
                    queues.Add(new QueueFunctionDescriptor(function.Name, method, queueTrigger.QueueName));
                }
            }
        }

        return new FunctionCatalog(http, timers, queues);
    }
}
