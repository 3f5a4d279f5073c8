using Credentials.Functions.Api;
using Credentials.Functions.Hosting;
using Credentials.Functions.Hosting.Composition;
using Credentials.Functions.Hosting.Pipeline;

namespace Credentials.DevHost;

/// <summary>
/// A small ASP.NET Core host for local runs and integration tests, where Functions Core Tools cannot be installed.
/// It serves the app's own function classes with the app's own composition; the app does not depend on it.
/// </summary>
public static class DevHostApplication
{
    public static WebApplication Build(DevHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });

        // Same precedence as the Functions host: local.settings.json Values, then environment variables.
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddInMemoryCollection(LocalSettingsConfiguration.Read(settings.LocalSettingsPath))
            .AddEnvironmentVariables()
            .AddInMemoryCollection(settings.Overrides);

        if (settings.ListenSocket is { } socket)
        {
            // Kestrel adopts the descriptor and closes it when it stops; the Socket object gives it up so that it is not
            // closed twice (the second close could hit a descriptor number reused by then).
            var handle = (ulong)socket.Handle;
            socket.SafeHandle.SetHandleAsInvalid();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenHandle(handle));
        }
        else
        {
            builder.WebHost.UseUrls(settings.Url ?? $"http://127.0.0.1:{DevHostSettings.DefaultPort}");
        }

        builder.Services.AddMvcCore();
        builder.Services.AddCredentialsService(builder.Configuration);
        settings.ConfigureServices?.Invoke(builder.Services);

        var functionAssemblies = settings.AdditionalFunctionAssemblies.Prepend(typeof(CredentialsServiceCollectionExtensions).Assembly).Distinct();
        var catalog = FunctionCatalog.ForAssemblies(functionAssemblies);
        if (settings.RunTimers)
        {
            builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<TimerFunctionScheduler>(services, catalog.TimerFunctions));
        }

        if (settings.RunQueueTriggers && catalog.QueueFunctions.Count > 0)
        {
            var queueSettings = settings.QueueTriggers ?? QueueTriggerSettings.FromHostJson(Path.Combine(AppContext.BaseDirectory, "host.json"));
            builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<QueueFunctionListener>(services, catalog.QueueFunctions, queueSettings));
        }

        var app = builder.Build();
        var guard = app.Services.GetRequiredService<HttpInvocationGuard>();
        app.Use((http, next) => guard.InvokeAsync(http, () => next(http)));
        app.UseRouting();
        HttpFunctionEndpoints.Map(app, catalog.HttpFunctions, HostJson.ReadRoutePrefix(Path.Combine(AppContext.BaseDirectory, "host.json")));
        return app;
    }
}
