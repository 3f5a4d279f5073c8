using Credentials.Functions.Connections;
using Credentials.Functions.Crypto;
using Credentials.Tests.Support;

namespace Credentials.Tests.Connections;

/// <summary>
/// The answers every <see cref="IConnectionRecords"/> gives, run against the table store on Azurite and against the
/// in-memory one the unit tests decide on, so that the two cannot drift apart.
/// </summary>
public abstract class ConnectionRecordsContract
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly ConnectionKey Key = ConnectionKeys.Of("u1", "google");

    private protected abstract IConnectionRecords Records { get; }

    private protected abstract ConnectionSecrets Secrets { get; }

    [Fact]
    public async Task An_add_is_read_back_at_its_etag_and_a_second_add_finds_it_there()
    {
        var added = await Records.AddAsync(await NewRecordAsync(), None);
        var read = await Records.GetAsync(Key, None);
        var again = await Records.AddAsync(await NewRecordAsync(), None);

        Assert.Equal(WriteStatus.Written, added.Status);
        Assert.False(string.IsNullOrEmpty(added.Record!.ETag));
        Assert.Equal(added.Record.ETag, read!.ETag);
        Assert.Equal(WriteStatus.AlreadyExists, again.Status);
        Assert.Null(again.Record);
    }

    [Fact]
    public async Task A_replace_at_the_read_etag_lands_with_a_new_one_and_a_replace_at_the_old_one_conflicts()
    {
        var read = (await Records.AddAsync(await NewRecordAsync(), None)).Record!;

        var first = await Records.ReplaceAsync(read with { LastErrorCode = "first" }, None);
        var stale = await Records.ReplaceAsync(read with { LastErrorCode = "second" }, None);

        Assert.Equal(WriteStatus.Written, first.Status);
        Assert.NotEqual(read.ETag, first.Record!.ETag);
        Assert.Equal(WriteStatus.Conflict, stale.Status);
        var stored = await Records.GetAsync(Key, None);
        Assert.Equal("first", stored!.LastErrorCode);
        Assert.Equal(first.Record.ETag, stored.ETag);
    }

    [Fact]
    public async Task A_replace_or_delete_of_a_deleted_record_finds_nothing()
    {
        var added = (await Records.AddAsync(await NewRecordAsync(), None)).Record!;

        Assert.Equal(WriteStatus.Written, await Records.DeleteAsync(Key, null, null, None));
        Assert.Equal(WriteStatus.NotFound, (await Records.ReplaceAsync(added, None)).Status);
        Assert.Equal(WriteStatus.NotFound, await Records.DeleteAsync(Key, null, null, None));
        Assert.Equal(WriteStatus.NotFound, await Records.DeleteAsync(Key, added.ETag, null, None));
        Assert.Null(await Records.GetAsync(Key, None));
        Assert.Null(await Records.GetRecentAsync(Key, None));
    }

    [Fact]
    public async Task A_delete_at_a_stale_etag_conflicts_and_at_the_current_one_lands()
    {
        var added = (await Records.AddAsync(await NewRecordAsync(), None)).Record!;
        var replaced = (await Records.ReplaceAsync(added with { LastErrorCode = "x" }, None)).Record!;

        Assert.Equal(WriteStatus.Conflict, await Records.DeleteAsync(Key, added.ETag, null, None));
        Assert.NotNull(await Records.GetAsync(Key, None));
        Assert.Equal(WriteStatus.Written, await Records.DeleteAsync(Key, replaced.ETag, null, None));
        Assert.Null(await Records.GetAsync(Key, None));
    }

    [Fact]
    public async Task Marking_a_hand_out_sets_last_used_and_moves_the_etag_so_an_older_copy_conflicts()
    {
        var read = (await Records.AddAsync(await NewRecordAsync(), None)).Record!;
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        await Records.MarkUsedAsync(Key, at, None);
        var stale = await Records.ReplaceAsync(read with { LastErrorCode = "x" }, None);

        Assert.Equal(WriteStatus.Conflict, stale.Status);
        var stored = await Records.GetAsync(Key, None);
        Assert.Equal(at, stored!.LastUsedAt);
        Assert.NotEqual(read.ETag, stored.ETag);
        Assert.Equal(WriteStatus.Written, (await Records.ReplaceAsync(stored with { LastErrorCode = "x" }, None)).Status);
    }

    [Fact]
    public async Task Marking_a_missing_record_writes_nothing()
    {
        await Records.MarkUsedAsync(Key, DateTimeOffset.UnixEpoch, None);

        Assert.Null(await Records.GetAsync(Key, None));
    }

    [Fact]
    public async Task Bad_writes_are_refused_before_anything_is_written()
    {
        var valid = await NewRecordAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Records.AddAsync(valid with { UserId = "a/b" }, None));
        await Assert.ThrowsAsync<ArgumentException>(() => Records.AddAsync(valid with { ConnectionId = "" }, None));
        await Assert.ThrowsAsync<ArgumentException>(() => Records.AddAsync(valid with { RefreshTokenEnvelope = [] }, None));
        await Assert.ThrowsAsync<ArgumentException>(() => Records.ReplaceAsync(valid with { ETag = null }, None));
        Assert.Null(await Records.GetAsync(Key, None));
    }

    private Task<ConnectionRecord> NewRecordAsync() => TestRecords.CreateAsync(Secrets, Key.UserId, Key.ConnectionId);
}

[Collection(AzuriteGroup.Name)]
public sealed class ConnectionStoreContractTests(AzuriteFixture azurite) : ConnectionRecordsContract, IDisposable
{
    private readonly StoreTestContext _context = new(azurite);

    private protected override IConnectionRecords Records => _context.Store;

    private protected override ConnectionSecrets Secrets => _context.Secrets;

    public void Dispose() => _context.Dispose();
}

public sealed class InMemoryConnectionRecordsContractTests : ConnectionRecordsContract, IDisposable
{
    private readonly MasterKeyRing _ring = TestKeys.LocalRing(TestKeys.LocalOptions("k-0001"));

    public InMemoryConnectionRecordsContractTests() => Secrets = new ConnectionSecrets(new CredentialCipher(_ring));

    private protected override IConnectionRecords Records { get; } = new InMemoryConnectionRecords();

    private protected override ConnectionSecrets Secrets { get; }

    public void Dispose() => _ring.Dispose();
}
