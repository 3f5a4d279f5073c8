using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Credentials.Benchmarks;

/// <summary>
/// Not a BenchmarkDotNet benchmark: the overhead of a proxied call. One local API on loopback answers a small JSON
/// document to any bearer token; it is called directly with the user's access token, and through the proxy of the dev
/// host (caller authenticated, Authress decision cached, token cached, one audit row per call), one after another in
/// one run. A third run goes through an instance whose audit rows are discarded instead of inserted into Azurite.
/// </summary>
internal static class ProxyOverhead
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task RunAsync(TimeSpan duration, int concurrency)
    {
        await using var api = await StartApiAsync();
        await using var stack = await BenchStack.StartAsync();
        var apiSetting = new Dictionary<string, string?> { [$"Providers:{BenchStack.ConnectionId}:ApiBaseUrls:default"] = api.Urls.Single() };
        var proxy = await stack.StartHostAsync(apiSetting, stack.Listener);
        var proxyAuditDiscarded = await stack.StartHostAsync(apiSetting, configureServices: DiscardingAuditDrain.ReplaceAuditWriter);
        await stack.ConnectAsync(stack.PublicBase);

        var callerToken = stack.ReaderToken();
        using var warm = new HttpClient();
        warm.DefaultRequestHeaders.Authorization = new("Bearer", callerToken);
        var token = await warm.GetFromJsonAsync<JsonElement>(stack.PublicBase + BenchStack.TokenPath);
        var userToken = token.GetProperty("accessToken").GetString()!;
        var proxyPath = $"/api/proxy/users/{BenchStack.User}/connections/{BenchStack.ConnectionId}/v1/items";
        (await warm.GetAsync(stack.PublicBase + proxyPath)).EnsureSuccessStatusCode();
        (await warm.GetAsync(proxyAuditDiscarded.Urls.Single() + proxyPath)).EnsureSuccessStatusCode();

        Console.WriteLine($"Proxy overhead with {(LoadBenchmark.WrkAvailable() ? "wrk" : "built-in C# loop")}, {concurrency} connections, {duration.TotalSeconds:F0} s per route…");
        var direct = await LoadBenchmark.LoadAsync(api.Urls.Single() + "/v1/items", userToken, duration, concurrency);
        var proxied = await LoadBenchmark.LoadAsync(stack.PublicBase + proxyPath, callerToken, duration, concurrency);
        var proxiedAuditDiscarded = await LoadBenchmark.LoadAsync(proxyAuditDiscarded.Urls.Single() + proxyPath, callerToken, duration, concurrency);

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            concurrency,
            seconds = duration.TotalSeconds,
            direct,
            proxied,
            proxiedAuditDiscarded,
            proxiedToDirectThroughput = Math.Round(proxied.RequestsPerSecond / direct.RequestsPerSecond, 2),
            proxiedToDirectP50 = Math.Round(proxied.P50Ms / direct.P50Ms, 1),
            auditDiscardedToDirectThroughput = Math.Round(proxiedAuditDiscarded.RequestsPerSecond / direct.RequestsPerSecond, 2),
            auditDiscardedToDirectP50 = Math.Round(proxiedAuditDiscarded.P50Ms / direct.P50Ms, 1),
        }, Indented));
    }

    /// <summary>A provider-like API: a 200-byte JSON answer for any bearer token, as cheap as an API can be.</summary>
    private static async Task<WebApplication> StartApiAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { items = Enumerable.Range(1, 8).Select(i => new { id = i, title = $"item {i}" }) });
        app.MapGet("/v1/items", async (HttpContext http) =>
        {
            if (!http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        return app;
    }
}
