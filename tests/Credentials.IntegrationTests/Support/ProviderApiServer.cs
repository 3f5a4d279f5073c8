using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Tests.Support;

/// <summary>
/// A third-party API on loopback, as the proxy meets one: every request must carry a token the sandbox provider's own API
/// accepts (so a wrong, revoked or missing token is a real 401), and it counts what reaches it. Besides echoing a request
/// it can stream a large body, answer with CORS headers, redirect, throttle and stall.
/// </summary>
internal sealed class ProviderApiServer : IAsyncDisposable
{
    public const int LargeChunkBytes = 64 * 1024;
    private readonly WebApplication _app;
    private int _requests;

    private ProviderApiServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request that reached this API, its raw target first.</summary>
    public ConcurrentQueue<string> Seen { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The sandbox provider whose API vouches for tokens; set before the first request.</summary>
    public Uri? Sandbox { get; set; }

    public static async Task<ProviderApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient();
        var app = builder.Build();
        var server = new ProviderApiServer(app);
        app.Use(async (http, next) =>
        {
            Interlocked.Increment(ref server._requests);
            server.Seen.Enqueue(http.Features.Get<IHttpRequestFeature>()!.RawTarget);
            var subject = await WhoAsync(http, server.Sandbox ?? throw new InvalidOperationException("Set Sandbox first."));
            if (subject is null)
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                return;
            }

            http.Items["sub"] = subject;
            await next(http);
        });
        app.Map("/v1/echo/{**rest}", async (HttpContext http) =>
        {
            var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            return Results.Json(new
            {
                sub = http.Items["sub"],
                method = http.Request.Method,
                target = http.Features.Get<IHttpRequestFeature>()!.RawTarget,
                headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                bodyBytes = body.Length,
            });
        });
        app.MapGet("/v1/large", async (HttpContext http, long bytes, bool? undeclared) =>
        {
            http.Response.ContentType = "application/octet-stream";
            http.Response.ContentLength = undeclared == true ? null : bytes;
            var chunk = new byte[LargeChunkBytes];
            Array.Fill(chunk, (byte)'x');
            for (long sent = 0; sent < bytes; sent += chunk.Length)
            {
                await http.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - sent)));
            }
        });
        app.MapGet("/v1/cors", (HttpContext http) =>
        {
            // A provider answering for browsers: its CORS and content headers are about its own origin.
            http.Response.Headers.AccessControlAllowOrigin = "*";
            http.Response.Headers.AccessControlAllowCredentials = "true";
            http.Response.Headers.AccessControlExposeHeaders = "X-Total";
            http.Response.Headers.ContentSecurityPolicy = "default-src *";
            return Results.Content("<script>alert(1)</script>", "text/html");
        });
        app.MapGet("/v1/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/v1/throttled", (HttpContext http) =>
        {
            http.Response.Headers.RetryAfter = "7";
            http.Response.Headers.SetCookie = "session=abc";
            return Results.Json(new { error = "rate_limited" }, statusCode: StatusCodes.Status429TooManyRequests);
        });
        app.MapGet("/v1/slow", async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            return Results.Ok();
        });
        await app.StartAsync();
        server.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The token's subject as the sandbox's API reports it, or null when it refuses the token.</summary>
    private static async Task<string?> WhoAsync(HttpContext http, Uri sandbox)
    {
        if (!AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization, out var bearer) || bearer.Scheme != "Bearer")
        {
            return null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sandbox, "api/me"));
        request.Headers.Authorization = bearer;
        using var response = await http.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient().SendAsync(request);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("sub").GetString()
            : null;
    }
}
