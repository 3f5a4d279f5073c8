using System.Reflection;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Credentials.Functions.Api;
using Credentials.HostQueueing;
using Microsoft.Azure.Functions.Worker;

namespace Credentials.DevHost;

/// <summary>
/// The app's queue-triggered functions for the shared <see cref="QueueFunctionListener"/>: each on its queue in the
/// app's own queue service (<c>%Name%</c> resolved from configuration), invoked directly in a scope of its own with
/// the message text as the trigger's input.
/// </summary>
internal static class DevHostQueueFunctions
{
    public static QueueFunctionListener CreateListener(IServiceProvider services, IReadOnlyList<QueueFunctionDescriptor> functions, QueueTriggerSettings settings)
    {
        var queues = services.GetRequiredService<QueueServiceClient>();
        var configuration = services.GetRequiredService<IConfiguration>();
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var listened = functions
            .Select(function => QueueFunction.On(queues, function.Name, ResolveQueueName(configuration, function.QueueName),
                (message, stoppingToken) => InvokeAsync(scopes, function, message, stoppingToken)))
            .ToList();
        return new QueueFunctionListener(listened, settings, services.GetRequiredService<ILogger<QueueFunctionListener>>());
    }

    private static async Task InvokeAsync(IServiceScopeFactory scopes, QueueFunctionDescriptor function, QueueMessage message, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var arguments = function.Method.GetParameters().Select(p => Bind(function, p, message, stoppingToken)).ToArray();
        await FunctionInvoker.InvokeAsync(function.Method, scope.ServiceProvider, arguments);
    }

    private static object? Bind(QueueFunctionDescriptor function, ParameterInfo parameter, QueueMessage message, CancellationToken stoppingToken) =>
        parameter.GetCustomAttribute<QueueTriggerAttribute>() is not null && parameter.ParameterType == typeof(string) ? message.Body.ToString()
        : parameter.ParameterType == typeof(CancellationToken) ? stoppingToken
        : throw new InvalidOperationException($"Queue function '{function.Name}' parameter '{parameter.Name}' cannot be supplied by the dev host.");

    private static string ResolveQueueName(IConfiguration configuration, string queueName) =>
        queueName.Length > 2 && queueName[0] == '%' && queueName[^1] == '%'
            ? configuration[queueName[1..^1]] ?? throw new InvalidOperationException($"Queue name '{queueName}' refers to a setting that is not set.")
            : queueName;
}
