using System.Net.Http.Headers;
using System.Net.Http.Json;
using Credentials.Functions.Maintenance;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.SecretConnect;

/// <summary>
/// The connect stack with three providers that are not OAuth, all served by the sandbox provider's own APIs:
/// <c>keyed</c> (an API key in <c>X-Api-Key</c>, probed at <c>/keyed/me</c>), <c>keyedout</c> (the same API with the
/// hand-out allowed, no probe) and <c>basicauth</c> (HTTP basic, probed at <c>/basic/me</c>).
/// </summary>
internal static class SecretStack
{
    public const string Keyed = "keyed";
    public const string KeyedHandout = "keyedout";
    public const string Basic = "basicauth";

    public static Task<ConnectStack> StartAsync(AzuriteFixture azurite) => ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
    {
        [$"Providers:{Keyed}:Preset"] = "api_key",
        [$"Providers:{Keyed}:SecretHeader"] = "X-Api-Key",
        [$"Providers:{Keyed}:SecretFormat"] = "{secret}",
        [$"Providers:{Keyed}:ApiBaseUrls:default"] = ConnectStack.SandboxAddress + "keyed",
        [$"Providers:{Keyed}:ProbeUrl"] = ConnectStack.SandboxAddress + "keyed/me",
        [$"Providers:{KeyedHandout}:Preset"] = "api_key",
        [$"Providers:{KeyedHandout}:SecretHeader"] = "X-Api-Key",
        [$"Providers:{KeyedHandout}:SecretFormat"] = "{secret}",
        [$"Providers:{KeyedHandout}:ApiBaseUrls:default"] = ConnectStack.SandboxAddress + "keyed",
        [$"Providers:{KeyedHandout}:AllowSecretHandout"] = "true",
        [$"Providers:{Basic}:Preset"] = "basic",
        [$"Providers:{Basic}:ApiBaseUrls:default"] = ConnectStack.SandboxAddress + "basic",
        [$"Providers:{Basic}:ProbeUrl"] = ConnectStack.SandboxAddress + "basic/me",
    });

    /// <summary><c>PUT …/secret</c> with <paramref name="body"/>, by the user themselves unless <paramref name="bearer"/> says otherwise.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(this ConnectStack stack, string userId, string connectionId, object body, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/users/{userId}/connections/{connectionId}/secret") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? stack.UserToken(userId));
        return await stack.Host.Client.SendAsync(request);
    }

    /// <summary>A proxied GET of <paramref name="path"/> on the connection's default API, as the stack's proxy service.</summary>
    public static async Task<HttpResponseMessage> ProxyGetAsync(this ConnectStack stack, string userId, string connectionId, string path,
        Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/proxy/users/{userId}/connections/{connectionId}/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken(ConnectStack.ProxyCaller));
        configure?.Invoke(request);
        return await stack.Host.Client.SendAsync(request);
    }

    public static Task<MaintenanceReport> RunMaintenanceAsync(this ConnectStack stack) =>
        stack.Host.Services.GetRequiredService<MaintenanceRunner>().RunAsync(CancellationToken.None);

    /// <summary>
    /// Status events are sent just after the answer that caused them: waits until <paramref name="count"/> are queued and
    /// no outbox row is left, so a test that clears the queue next never meets a late one.
    /// </summary>
    public static async Task<IReadOnlyList<System.Text.Json.JsonElement>> WaitForStatusEventsAsync(this ConnectStack stack, int count)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (true)
        {
            var events = await stack.StatusEventsAsync();
            var outboxEmpty = !(await stack.RowsAsync(stack.ConnectionsTable)).Any(row => Functions.Connections.StatusEventOutbox.IsOutboxRow(row.RowKey));
            if ((events.Count >= count && outboxEmpty) || DateTimeOffset.UtcNow >= deadline)
            {
                return events;
            }

            await Task.Delay(50);
        }
    }
}
