using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Support;

/// <summary>
/// Slow Table storage, as several instances meet it: an HTTP proxy on loopback in front of Azurite's table endpoint
/// that, while armed, holds every write (anything but GET) for <see cref="WriteDelay"/> before passing it on. Reads pass
/// at once. Used by the slow-storage failure sequence and by the slow-storage benchmark.
/// </summary>
public sealed class SlowStorageProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Host",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _upstream;
    private long _delayedWrites;

    private SlowStorageProxy(WebApplication app, HttpClient upstream)
    {
        _app = app;
        _upstream = upstream;
    }

    public bool Armed { get; set; }

    public TimeSpan WriteDelay { get; set; }

    public long DelayedWrites => Interlocked.Read(ref _delayedWrites);

    /// <summary>Port the proxy listens on; point a connection string's <c>TableEndpoint</c> here.</summary>
    public int Port { get; private set; }

    public static async Task<SlowStorageProxy> StartAsync(int tablePort)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{tablePort}"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var app = builder.Build();
        var proxy = new SlowStorageProxy(app, upstream);
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return proxy;
    }

    /// <summary><paramref name="connectionString"/> with its table endpoint sent through this proxy.</summary>
    public string Route(string connectionString, int tablePort) =>
        connectionString.Replace($"127.0.0.1:{tablePort}/", $"127.0.0.1:{Port}/", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _upstream.Dispose();
    }

    private async Task ForwardAsync(HttpContext http)
    {
        if (Armed && !HttpMethods.IsGet(http.Request.Method))
        {
            Interlocked.Increment(ref _delayedWrites);
            await Task.Delay(WriteDelay, http.RequestAborted);
        }

        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), http.Request.Path + http.Request.QueryString);
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(http.Request.Body);
        }

        foreach (var (name, values) in http.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                http.Response.Headers[name] = values.ToArray();
            }
        }

        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }
}
