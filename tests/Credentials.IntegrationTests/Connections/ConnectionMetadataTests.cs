using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;

namespace Credentials.Tests.Connections;

/// <summary>
/// Connection metadata end to end (dev host, Azurite, local Authress, sandbox provider): set at connect and later,
/// returned by get and list, filtering the list, bounded, and carried by status events.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class ConnectionMetadataTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ConnectStack.StartAsync(azurite);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Tags_given_at_connect_are_stored_returned_and_sent_in_the_status_event()
    {
        await ConnectWithAsync("u1", "mail", new Dictionary<string, string> { ["tenant"] = "abc", ["account.name"] = "Ada Lovelace" });

        var connection = await GetJsonAsync("api/users/u1/connections/mail");
        Assert.Equal("abc", connection.GetProperty("metadata").GetProperty("tenant").GetString());
        Assert.Equal("Ada Lovelace", connection.GetProperty("metadata").GetProperty("account.name").GetString());
        var connected = Assert.Single(await WaitForEventsAsync(), e => e.GetProperty("newStatus").GetString() == "active");
        Assert.Equal("abc", connected.GetProperty("metadata").GetProperty("tenant").GetString());
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
    }

    [Fact]
    public async Task The_list_is_filtered_by_tags_and_a_malformed_filter_is_a_400()
    {
        await ConnectWithAsync("u1", "a", new Dictionary<string, string> { ["tenant"] = "abc", ["team"] = "blue" });
        await ConnectWithAsync("u1", "b", new Dictionary<string, string> { ["tenant"] = "xyz" });
        await ConnectWithAsync("u1", "c", null);

        Assert.Equal("a", await ListIdsAsync("?metadata.tenant=abc"));
        Assert.Equal("a", await ListIdsAsync("?metadata.tenant=abc&metadata.team=blue"));
        Assert.Equal(string.Empty, await ListIdsAsync("?metadata.tenant=abc&metadata.team=red"));
        Assert.Equal("a b c", await ListIdsAsync(string.Empty));
        var all = await GetJsonAsync("api/users/u1/connections");
        Assert.Empty(all.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("connectionId").GetString() == "c").GetProperty("metadata").EnumerateObject());
        using var malformed = await SendAsync(HttpMethod.Get, "api/users/u1/connections?metadata.Tenant=abc");
        await ProblemAssert.IsAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_patch_sets_and_removes_tags_and_later_status_events_carry_them()
    {
        await ConnectWithAsync("u1", "mail", new Dictionary<string, string> { ["tenant"] = "abc", ["old"] = "x" });

        using var patched = await PatchAsync("u1", "mail", "{\"team\":\"blue\",\"old\":null}");

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var tags = (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("metadata");
        Assert.Equal("team tenant", string.Join(' ', tags.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal("blue", (await _stack.RecordAsync("u1", "mail")).Metadata["team"]);
        await _stack.ClearStatusEventsAsync();
        using (await SendAsync(HttpMethod.Delete, "api/users/u1/connections/mail"))
        {
        }

        var deleted = Assert.Single(await WaitForEventsAsync(), e => e.GetProperty("newStatus").GetString() == "deleted");
        Assert.Equal("blue", deleted.GetProperty("metadata").GetProperty("team").GetString());
    }

    [Theory]
    [InlineData("TOO_MANY_KEYS")]
    [InlineData("{\"tenant\":\"LONG_VALUE\"}")]
    [InlineData("{\"Upper\":\"x\"}")]
    [InlineData("TOO_MANY_BYTES")]
    [InlineData("{\"tenant\":42}")]
    [InlineData("{\"line\":\"a\\nb\"}")]
    public async Task A_patch_outside_the_limits_is_a_400_problem_and_writes_nothing(string body)
    {
        await ConnectWithAsync("u1", "mail", new Dictionary<string, string> { ["tenant"] = "abc" });
        var before = await _stack.RecordAsync("u1", "mail");

        using var refused = await PatchAsync("u1", "mail", Oversize(body));

        await ProblemAssert.IsAsync(refused, HttpStatusCode.BadRequest, "invalid_metadata");
        var after = await _stack.RecordAsync("u1", "mail");
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal("abc", Assert.Single(after.Metadata).Value);
    }

    [Fact]
    public async Task Oversize_tags_at_start_are_refused_and_nothing_is_started()
    {
        var tags = Enumerable.Range(0, MetadataTags.MaxKeys + 1).ToDictionary(i => $"k{i}", _ => "v");

        using var refused = await _stack.StartConnectionAsync("u1", new { provider = ConnectStack.ProviderId, metadata = tags });

        await ProblemAssert.IsAsync(refused, HttpStatusCode.BadRequest, "invalid_metadata");
        Assert.Empty(await _stack.RowsAsync(_stack.StatesTable));
    }

    [Fact]
    public async Task A_patch_needs_credentials_create_and_an_existing_connection()
    {
        await ConnectWithAsync("u1", "mail", null);

        using var stranger = await PatchAsync("u1", "mail", "{\"a\":\"b\"}", _stack.CallerToken("sc_stranger"));
        using var missing = await PatchAsync("u1", "nope", "{\"a\":\"b\"}");
        using var self = await PatchAsync("u1", "mail", "{\"a\":\"b\"}", _stack.UserToken("u1"));

        await ProblemAssert.IsAsync(stranger, HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(missing, HttpStatusCode.NotFound, "connection_not_found");
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        Assert.Equal("b", (await _stack.RecordAsync("u1", "mail")).Metadata["a"]);
    }

    private static string Oversize(string body) => body switch
    {
        "TOO_MANY_KEYS" => JsonSerializer.Serialize(Enumerable.Range(0, MetadataTags.MaxKeys).ToDictionary(i => $"k{i}", _ => "v")),
        "TOO_MANY_BYTES" => JsonSerializer.Serialize(Enumerable.Range(0, 15).ToDictionary(i => $"k{i:D2}".PadRight(MetadataTags.MaxKeyLength, 'x'), _ => new string('v', MetadataTags.MaxValueLength))),
        _ => body.Replace("LONG_VALUE", new string('v', MetadataTags.MaxValueLength + 1), StringComparison.Ordinal),
    };

    /// <summary>Start with <paramref name="metadata"/>, consent at the sandbox, and complete as the user.</summary>
    private async Task ConnectWithAsync(string userId, string connectionId, Dictionary<string, string>? metadata)
    {
        var url = await _stack.StartAndGetAuthorizationUrlAsync(userId,
            new { provider = ConnectStack.ProviderId, connectionId, returnUrl = ConnectStack.ReturnBase + "done", metadata });
        using var callback = await _stack.FollowToCallbackAsync(await _stack.AuthorizeAtProviderAsync(url));
        var result = ConnectStack.FragmentOf(callback.Headers.Location!);
        using var completed = await _stack.CompleteAsync(userId, connectionId, result["completion"], cookie: ConnectStack.BindingCookieOf(callback));
        Assert.True(completed.StatusCode == HttpStatusCode.OK, await completed.Content.ReadAsStringAsync());
    }

    /// <summary>The listed connections' ids, space-separated.</summary>
    private async Task<string> ListIdsAsync(string query)
    {
        var list = await GetJsonAsync("api/users/u1/connections" + query);
        return string.Join(' ', list.GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("connectionId").GetString()));
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> PatchAsync(string userId, string connectionId, string body, string? token = null) =>
        await SendAsync(HttpMethod.Patch, $"api/users/{userId}/connections/{connectionId}/metadata",
            new StringContent(body, Encoding.UTF8, "application/merge-patch+json"), token);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? _stack.CallerToken());
        return await _stack.Host.Client.SendAsync(request);
    }

    private async Task<List<JsonElement>> WaitForEventsAsync()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (await _stack.StatusEventsAsync() is { Count: > 0 } events)
            {
                return events;
            }

            await Task.Delay(100);
        }

        return [];
    }
}
