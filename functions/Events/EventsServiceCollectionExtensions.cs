using Credentials.Functions.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Functions.Events;

internal static class EventsServiceCollectionExtensions
{
    /// <summary>The dispatcher that delivers status events from the outbox; connections raise them through <see cref="IStatusEventSink"/>.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<StatusEventDispatcher>();
        services.AddSingleton<IStatusEventSink>(provider => provider.GetRequiredService<StatusEventDispatcher>());
        services.AddHostedService(provider => provider.GetRequiredService<StatusEventDispatcher>());
        return services;
    }
}
