using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.DevHost;

/// <summary>
/// Calls a <c>[Function]</c> method as the isolated worker does: a fresh instance of its class from DI per invocation,
/// arguments from the trigger, the returned task awaited and its result handed back.
/// </summary>
internal static class FunctionInvoker
{
    public static async Task<object?> InvokeAsync(MethodInfo method, IServiceProvider services, object?[] arguments)
    {
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        try
        {
            object? returned;
            try
            {
                returned = method.Invoke(target, arguments);
            }
            catch (TargetInvocationException wrapper) when (wrapper.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(wrapper.InnerException).Throw();
                throw;
            }

            return await UnwrapAsync(returned);
        }
        finally
        {
            switch (target)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static async Task<object?> UnwrapAsync(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task;
                var type = task.GetType();
                return type.IsGenericType && type.GetGenericArguments()[0].Name != "VoidTaskResult"
                    ? type.GetProperty(nameof(Task<object>.Result))!.GetValue(task)
                    : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            default:
                return returned;
        }
    }
}
