using System.Net;
using System.Net.Http.Headers;
using Azure.Data.Tables;
using Credentials.AuthressLocal;
using Credentials.Functions.Audit;
using Credentials.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Credentials.Tests.Audit;

/// <summary>Token hand-outs are audited as one counted row per (caller, user, connection, outcome, reason) per window.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class AuditRollupTests(AzuriteFixture azurite)
{
    private const string SecondReader = "sc_second_reader";

    [Fact]
    public async Task Ten_thousand_reads_by_two_callers_on_three_connections_are_six_rows_with_exact_counts()
    {
        await WaitOutTheEndOfTheHourAsync();
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Audit:RollupWindow"] = "01:00:00",
            ["RateLimit:PermitsPerSecond"] = "0",
        });
        stack.Authress.Grants.Roles["reader"] = ["credentials:read"];
        stack.Authress.Grants.AccessRecords.Add(new AccessRecord { Users = [SecondReader], Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] });
        await stack.ConnectAllAsync("u1", "a", "b", "c");
        var plan = new (string Caller, string Connection, int Reads)[]
        {
            (ConnectStack.Caller, "a", 2_000), (ConnectStack.Caller, "b", 1_500), (ConnectStack.Caller, "c", 1_500),
            (SecondReader, "a", 1_000), (SecondReader, "b", 2_000), (SecondReader, "c", 2_000),
        };

        var answers = await Task.WhenAll(plan.Select(async step =>
        {
            using var client = new HttpClient { BaseAddress = stack.Host.Client.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken(step.Caller));
            var ok = 0;
            for (var i = 0; i < step.Reads; i++)
            {
                using var response = await client.GetAsync($"api/users/u1/connections/{step.Connection}/access-token");
                ok += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            return ok;
        }));
        Assert.Equal(10_000, answers.Sum());
        await stack.Host.Services.GetRequiredService<AuditLog>().FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        var rows = (await stack.RowsAsync(stack.AuditTable)).Where(row => row.GetString("Action") == AuditActions.ReadAccessToken).ToList();
        Assert.Equal(6, rows.Count);
        foreach (var step in plan)
        {
            var row = Assert.Single(rows, r => r.GetString("Caller") == step.Caller && r.GetString("ConnectionId") == step.Connection);
            Assert.Equal(step.Reads, row.GetInt64("Count"));
            Assert.Equal("served", row.GetString("Outcome"));
            Assert.True(row.GetDateTimeOffset("FirstAt") <= row.GetDateTimeOffset("LastAt"));
        }
    }

    /// <summary>Read back through the audit log, a rolled-up row carries its count, window and first and last time.</summary>
    [Fact]
    public async Task A_rolled_up_row_reads_back_with_its_count_and_window()
    {
        await using var stack = await ConnectStack.StartAsync(azurite);
        await stack.ConnectAllAsync("u2", "mail");
        using var client = new HttpClient { BaseAddress = stack.Host.Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.CallerToken());
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("api/users/u2/connections/mail/access-token");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var audit = stack.Host.Services.GetRequiredService<AuditLog>();
        var events = await audit.ReadDayAsync(DateOnly.FromDateTime(DateTime.UtcNow), CancellationToken.None);
        var reads = events.Where(e => e.Action == AuditActions.ReadAccessToken).ToList();

        var total = reads.Sum(e => e.Rollup!.Count);
        Assert.Equal(3, total);
        Assert.All(reads, e => Assert.True(e.Rollup!.WindowStart <= e.Rollup.FirstAt && e.Rollup.FirstAt >= before.AddSeconds(-1)));
    }

    /// <summary>
    /// A read that cannot be counted is not served: a new (caller, connection) tuple beyond the hand-out rollup's capacity
    /// gets 503 audit_unavailable with Retry-After and no token, while the tuples already counted are still served.
    /// </summary>
    [Fact]
    public async Task A_token_read_beyond_the_rollup_capacity_is_refused_with_audit_unavailable_and_no_token()
    {
        await WaitOutTheEndOfTheHourAsync();
        await using var stack = await ConnectStack.StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Audit:RollupWindow"] = "01:00:00",
            ["Audit:RollupCapacity"] = "100",
            ["RateLimit:PermitsPerSecond"] = "0",
        });
        // User tokens: they share one key set (a service client has its own, and new key sets are fetched at most 10 a minute).
        var readers = Enumerable.Range(0, 101).Select(i => $"reader_{i:D3}").ToList();
        stack.Authress.Grants.Roles["reader"] = ["credentials:read"];
        stack.Authress.Grants.AccessRecords.Add(new AccessRecord { Users = readers, Roles = ["reader"], Resources = ["/user-credentials/refresh-tokens/users/*"] });
        await stack.ConnectAllAsync("u1", "a");

        for (var i = 0; i < 100; i++)
        {
            using var served = await ReadAsync(stack, readers[i]);
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"read {i}: {(int)served.StatusCode} {await served.Content.ReadAsStringAsync()}");
        }

        using var refused = await ReadAsync(stack, readers[100]);
        var body = await refused.Content.ReadAsStringAsync();
        await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, "audit_unavailable");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.DoesNotContain("access_token", body, StringComparison.Ordinal);
        using var counted = await ReadAsync(stack, readers[0]);
        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
    }

    private static Task<HttpResponseMessage> ReadAsync(ConnectStack stack, string caller) => stack.ReadAccessTokenAsync("u1", "a", stack.UserToken(caller));

    private static async Task WaitOutTheEndOfTheHourAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var untilNextHour = TimeSpan.FromHours(1) - TimeSpan.FromTicks(now.UtcTicks % TimeSpan.TicksPerHour);
        if (untilNextHour < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(untilNextHour + TimeSpan.FromSeconds(1));
        }
    }
}
