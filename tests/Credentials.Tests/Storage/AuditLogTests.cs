using Credentials.Functions.Audit;
using Credentials.Tests.Infrastructure;

namespace Credentials.Tests.Storage;

[Collection(AzuriteGroup.Name)]
public sealed class AuditLogTests(AzuriteFixture azurite)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Events_are_appended_read_back_newest_first_and_old_days_deleted()
    {
        var log = new AuditLog(azurite.CreateIsolatedTables());
        var day = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        await log.AppendAsync(new AuditEvent("svc-a", "u1", "google", AuditActions.ReadAccessToken, "allowed", "corr-1", day), None);
        await log.AppendAsync(new AuditEvent("svc-a", "u1", "google", AuditActions.ReadAccessToken, "denied", "corr-2", day.AddMinutes(5), "no_grant"), None);
        await log.AppendAsync(new AuditEvent("svc-b", "u2", null, AuditActions.Purge, "allowed", "corr-3", day.AddDays(-40)), None);

        var events = await log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime), None);
        var deleted = await log.DeleteDaysBeforeAsync(DateOnly.FromDateTime(day.UtcDateTime.AddDays(-30)), None);

        Assert.Equal(["corr-2", "corr-1"], events.Select(e => e.CorrelationId));
        Assert.Equal("no_grant", events[0].Reason);
        Assert.Equal("svc-a", events[0].Caller);
        Assert.Equal(1, deleted);
        Assert.Empty(await log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime.AddDays(-40)), None));
        Assert.Equal(2, (await log.ReadDayAsync(DateOnly.FromDateTime(day.UtcDateTime), None)).Count);
    }
}
