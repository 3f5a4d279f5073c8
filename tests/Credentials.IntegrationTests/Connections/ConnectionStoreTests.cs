using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Credentials.Functions.Connections;
using Credentials.Tests.Support;

namespace Credentials.Tests.Connections;

// Longer than 250 lines on purpose: the store's conditional-write contract case by case against Azurite.

[Collection(AzuriteGroup.Name)]
public sealed class ConnectionStoreTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Create_read_update_delete_round_trip()
    {
        using var context = new StoreTestContext(azurite);
        var record = await context.NewRecordAsync("auth0|abc", "google");

        var added = await context.Store.AddAsync(record, None);
        var read = await context.Store.GetAsync(ConnectionKeys.Of("auth0|abc", "google"), None);
        var updated = await context.Store.ReplaceAsync(read! with { Status = ConnectionStatus.RefreshFailing, LastErrorCode = "temporarily_unavailable" }, None);
        var reread = await context.Store.GetAsync(ConnectionKeys.Of("auth0|abc", "google"), None);
        var deleted = await context.Store.DeleteAsync(ConnectionKeys.Of("auth0|abc", "google"), null, statusEvent: null, None);
        var gone = await context.Store.GetAsync(ConnectionKeys.Of("auth0|abc", "google"), None);

        Assert.Equal(WriteStatus.Written, added.Status);
        Assert.NotNull(read);
        Assert.Equal(["openid", "email"], read.Scopes);
        Assert.Equal("refresh-token-value", await context.Secrets.ReadRefreshTokenAsync(read, None));
        Assert.Equal("access-token-value", await context.Secrets.ReadAccessTokenAsync(read, None));
        Assert.Equal(WriteStatus.Written, updated.Status);
        Assert.Equal(ConnectionStatus.RefreshFailing, reread!.Status);
        Assert.Equal("temporarily_unavailable", reread.LastErrorCode);
        Assert.Equal(updated.Record!.ETag, reread.ETag);
        Assert.Equal(WriteStatus.Written, deleted);
        Assert.Null(gone);
        Assert.Equal(WriteStatus.NotFound, await context.Store.DeleteAsync(ConnectionKeys.Of("auth0|abc", "google"), null, statusEvent: null, None));
    }

    [Fact]
    public async Task Adding_an_existing_connection_is_reported_not_overwritten()
    {
        using var context = new StoreTestContext(azurite);
        await context.Store.AddAsync(await context.NewRecordAsync("u1", "google", "first-token"), None);

        var second = await context.Store.AddAsync(await context.NewRecordAsync("u1", "google", "second-token"), None);

        Assert.Equal(WriteStatus.AlreadyExists, second.Status);
        var stored = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        Assert.Equal("first-token", await context.Secrets.ReadRefreshTokenAsync(stored!, None));
    }

    [Fact]
    public async Task A_stale_write_is_a_conflict_and_leaves_the_newer_data()
    {
        using var context = new StoreTestContext(azurite);
        await context.Store.AddAsync(await context.NewRecordAsync("u1", "google"), None);
        var copyA = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        var copyB = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);

        var first = await context.Store.ReplaceAsync(await context.Secrets.WithTokensAsync(copyA!, "rotated-by-a", null, null, null, None), None);
        var second = await context.Store.ReplaceAsync(await context.Secrets.WithTokensAsync(copyB!, "rotated-by-b", null, null, null, None), None);

        Assert.Equal(WriteStatus.Written, first.Status);
        Assert.Equal(WriteStatus.Conflict, second.Status);
        Assert.Null(second.Record);
        var stored = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        Assert.Equal("rotated-by-a", await context.Secrets.ReadRefreshTokenAsync(stored!, None));
    }

    [Fact]
    public async Task Replacing_a_deleted_record_is_not_found()
    {
        using var context = new StoreTestContext(azurite);
        var added = await context.Store.AddAsync(await context.NewRecordAsync("u1", "google"), None);
        await context.Store.DeleteAsync(ConnectionKeys.Of("u1", "google"), null, statusEvent: null, None);

        var result = await context.Store.ReplaceAsync(added.Record!, None);

        Assert.Equal(WriteStatus.NotFound, result.Status);
        Assert.Null(await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None));
    }

    [Fact]
    public async Task A_conditional_delete_with_a_stale_etag_is_a_conflict()
    {
        using var context = new StoreTestContext(azurite);
        var added = await context.Store.AddAsync(await context.NewRecordAsync("u1", "google"), None);
        await context.Store.ReplaceAsync(added.Record! with { LastErrorCode = "x" }, None);

        Assert.Equal(WriteStatus.Conflict, await context.Store.DeleteAsync(ConnectionKeys.Of("u1", "google"), added.Record!.ETag, statusEvent: null, None));
        Assert.NotNull(await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None));
    }

    [Fact]
    public async Task A_412_on_the_retry_of_a_write_that_landed_is_reported_as_written()
    {
        var losesFirstConditionalResponse = new LoseFirstResponsePolicy();
        var options = new TableClientOptions { Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(5) } };
        options.AddPolicy(losesFirstConditionalResponse, HttpPipelinePosition.PerRetry);
        using var context = new StoreTestContext(azurite, options);
        await context.Store.AddAsync(await context.NewRecordAsync("u1", "google"), None);
        var read = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        losesFirstConditionalResponse.Armed = true;

        var result = await context.Store.ReplaceAsync(await context.Secrets.WithTokensAsync(read!, "rotated", null, null, null, None), None);

        Assert.Equal(1, losesFirstConditionalResponse.ResponsesLost);
        Assert.Equal(WriteStatus.Written, result.Status);
        var stored = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        Assert.Equal(stored!.ETag, result.Record!.ETag);
        Assert.Equal("rotated", await context.Secrets.ReadRefreshTokenAsync(stored, None));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a%2Fb")]
    [InlineData("a\u0000b")]
    [InlineData("a\u007fb")]
    [InlineData("tab\there")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("ünïcode")]
    public async Task Hostile_ids_are_rejected_before_anything_is_written(string hostile)
    {
        using var context = new StoreTestContext(azurite);
        var valid = await context.NewRecordAsync("u1", "google");

        await Assert.ThrowsAsync<ArgumentException>(() => context.Store.AddAsync(valid with { UserId = hostile }, None));
        await Assert.ThrowsAsync<ArgumentException>(() => context.Store.AddAsync(valid with { ConnectionId = hostile }, None));
        // Reads take a ConnectionKey, which no hostile id can become.
        Assert.False(ConnectionKey.TryCreate(hostile, "google", out _));

        var table = await context.Tables.ConnectionsAsync(None);
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task Over_long_ids_are_rejected_and_the_longest_allowed_round_trips()
    {
        using var context = new StoreTestContext(azurite);
        var longest = new string('a', 128);

        await Assert.ThrowsAsync<ArgumentException>(async () => await context.Store.AddAsync(await context.NewRecordAsync("u1", longest + "a"), None));
        var added = await context.Store.AddAsync(await context.NewRecordAsync(longest, "google-oauth2|1+2=3~x@y.z_-"), None);

        Assert.Equal(WriteStatus.Written, added.Status);
        Assert.NotNull(await context.Store.GetAsync(ConnectionKeys.Of(longest, "google-oauth2|1+2=3~x@y.z_-"), None));
    }

    [Fact]
    public async Task Listing_returns_only_that_users_connections_in_pages()
    {
        using var context = new StoreTestContext(azurite);
        for (var i = 0; i < 7; i++)
        {
            await context.Store.AddAsync(await context.NewRecordAsync("alice", $"conn-{i}"), None);
        }

        await context.Store.AddAsync(await context.NewRecordAsync("alicia", "conn-x"), None);
        await context.Store.AddAsync(await context.NewRecordAsync("bob", "conn-0"), None);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await context.Store.ListByUserAsync("alice", 3, token, None);
            Assert.True(page.Items.Count <= 3);
            Assert.All(page.Items, r => Assert.Equal("alice", r.UserId));
            seen.AddRange(page.Items.Select(r => r.ConnectionId));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"conn-{i}"), seen);
        Assert.Equal(3, pages);
        Assert.Empty((await context.Store.ListByUserAsync("carol", 10, null, None)).Items);
    }

    [Fact]
    public async Task Scanning_walks_every_user_and_resumes_from_a_token()
    {
        using var context = new StoreTestContext(azurite);
        foreach (var user in new[] { "u1", "u2", "u3" })
        {
            foreach (var connection in new[] { "a", "b" })
            {
                await context.Store.AddAsync(await context.NewRecordAsync(user, connection), None);
            }
        }

        var first = await context.Store.ScanAsync(4, null, None);
        var rest = await context.Store.ScanAsync(4, first.ContinuationToken, None);

        Assert.Equal(4, first.Items.Count);
        Assert.NotNull(first.ContinuationToken);
        Assert.Equal(2, rest.Items.Count);
        Assert.Equal(6, first.Items.Concat(rest.Items).Select(r => (r.UserId, r.ConnectionId)).Distinct().Count());
    }

    [Fact]
    public async Task The_raw_row_holds_no_token_bytes()
    {
        using var context = new StoreTestContext(azurite);
        const string refresh = "1//0gRefreshTokenThatMustNeverBeStoredInClear";
        const string access = "ya29.AccessTokenThatMustNeverBeStoredInClear";
        await context.Store.AddAsync(await context.NewRecordAsync("u1", "google", refresh, access), None);

        var table = await context.Tables.ConnectionsAsync(None);
        var raw = (await table.GetEntityAsync<TableEntity>("u1", "google")).Value;

        foreach (var (name, value) in raw)
        {
            var bytes = value switch
            {
                byte[] binary => binary,
                BinaryData data => data.ToArray(),
                _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
            };
            foreach (var secret in new[] { refresh, access })
            {
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret[..12])) < 0, $"column {name} contains token bytes");
            }
        }
    }

    /// <summary>Lets the first conditional update reach the server, then drops its response, so the client retries it.</summary>
    private sealed class LoseFirstResponsePolicy : HttpPipelinePolicy
    {
        public bool Armed { get; set; }

        public int ResponsesLost { get; private set; }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (Armed && ResponsesLost == 0 && message.Request.Method == RequestMethod.Put && message.Request.Headers.Contains("If-Match"))
            {
                ResponsesLost++;
                throw new IOException("simulated connection reset after the server applied the write");
            }
        }
    }
}
