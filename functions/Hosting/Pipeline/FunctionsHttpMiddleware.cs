using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Credentials.Functions.Hosting.Pipeline;

/// <summary>Adapts <see cref="HttpInvocationGuard"/> to the Functions worker pipeline.</summary>
internal sealed class FunctionsHttpMiddleware(HttpInvocationGuard guard) : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        return http is null ? next(context) : guard.InvokeAsync(http, () => next(context));
    }
}
