using Credentials.Functions.Connections;
using Credentials.Tests.Support;

namespace Credentials.Tests.Connections;

[Collection(AzuriteGroup.Name)]
public sealed class ReEncryptionTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task After_a_new_key_version_every_record_is_rewritten_under_it_and_stays_readable()
    {
        using var context = new StoreTestContext(azurite, null, "k-0001");
        for (var i = 0; i < 5; i++)
        {
            await context.Store.AddAsync(await context.NewRecordAsync($"user-{i}", "google", $"refresh-{i}", $"access-{i}"), None);
        }

        context.KeyOptions.LocalKeys["k-0002"] = TestKeys.NewBase64Key();
        await context.Ring.FindAsync("k-0002", None);
        var reEncryptor = new ConnectionReEncryptor(context.Store, context.Secrets);

        var first = new List<ReEncryptionOutcome>();
        foreach (var record in (await context.Store.ScanAsync(100, null, None)).Items)
        {
            first.Add(await reEncryptor.ReEncryptIfStaleAsync(record, None));
        }

        var second = new List<ReEncryptionOutcome>();
        var after = (await context.Store.ScanAsync(100, null, None)).Items;
        foreach (var record in after)
        {
            second.Add(await reEncryptor.ReEncryptIfStaleAsync(record, None));
        }

        Assert.All(first, o => Assert.Equal(ReEncryptionOutcome.ReEncrypted, o));
        Assert.All(second, o => Assert.Equal(ReEncryptionOutcome.AlreadyCurrent, o));
        Assert.All(after, r => Assert.Equal("k-0002", r.KeyVersion));
        foreach (var record in after)
        {
            var index = record.UserId["user-".Length..];
            Assert.Equal($"refresh-{index}", await context.Secrets.ReadRefreshTokenAsync(record, None));
            Assert.Equal($"access-{index}", await context.Secrets.ReadAccessTokenAsync(record, None));
        }
    }

    [Fact]
    public async Task Re_encryption_never_overwrites_a_concurrent_change()
    {
        using var context = new StoreTestContext(azurite, null, "k-0001");
        await context.Store.AddAsync(await context.NewRecordAsync("u1", "google", "old-refresh"), None);
        var staleCopy = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        var concurrent = await context.Secrets.WithTokensAsync(staleCopy!, "rotated-meanwhile", null, null, null, None);
        await context.Store.ReplaceAsync(concurrent, None);
        context.KeyOptions.LocalKeys["k-0002"] = TestKeys.NewBase64Key();
        await context.Ring.FindAsync("k-0002", None);

        var outcome = await new ConnectionReEncryptor(context.Store, context.Secrets).ReEncryptIfStaleAsync(staleCopy!, None);

        Assert.Equal(ReEncryptionOutcome.Conflict, outcome);
        var stored = await context.Store.GetAsync(ConnectionKeys.Of("u1", "google"), None);
        Assert.Equal("rotated-meanwhile", await context.Secrets.ReadRefreshTokenAsync(stored!, None));
    }
}
