using Credentials.Functions.AccessControl;
using Credentials.Functions.Audit;
using Credentials.Functions.Foundation.Configuration;
using Credentials.Functions.OAuthConnect;
using Credentials.Functions.Refresh;
using Credentials.Functions.Storage;

namespace Credentials.Tests.Hosting;

/// <summary>Settings that bound a guarantee are refused at start-up beyond their bounds, naming the setting.</summary>
public sealed class SettingBoundsTests
{
    [Theory]
    [InlineData("00:01:00", "00:00:05", null)]
    [InlineData("00:01:01", "00:00:05", "Authorization:AllowCacheDuration")]
    [InlineData("00:00:30", "00:00:06", "Authorization:DenyCacheDuration")]
    public void The_authorization_caches_are_bounded(string allow, string deny, string? refused) =>
        AssertRefused(new AuthorizationOptionsValidator().Validate(null, new AuthorizationOptions
        {
            AllowCacheDuration = TimeSpan.Parse(allow, System.Globalization.CultureInfo.InvariantCulture),
            DenyCacheDuration = TimeSpan.Parse(deny, System.Globalization.CultureInfo.InvariantCulture),
        }), refused);

    [Theory]
    [InlineData(30, 120, null)]
    [InlineData(30, 59, "Refresh:AbandonedLeaseTimeout")]
    [InlineData(5, 9, "Refresh:AbandonedLeaseTimeout")]
    [InlineData(30, 3601, "Refresh:AbandonedLeaseTimeout")]
    public void A_lease_is_never_taken_over_sooner_than_twice_its_duration(int leaseSeconds, int abandonedSeconds, string? refused) =>
        AssertRefused(new RefreshOptionsValidator().Validate(null, new RefreshOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
            AbandonedLeaseTimeout = TimeSpan.FromSeconds(abandonedSeconds),
        }), refused);

    [Theory]
    [InlineData(1000, 2000, null)]
    [InlineData(0, 1, null)]
    [InlineData(1000, 99, "RateLimit:Burst")]
    [InlineData(-1, 2000, "RateLimit:PermitsPerSecond")]
    public void The_rate_limit_is_bounded(int permits, int burst, string? refused) =>
        AssertRefused(new CallerRateLimitOptionsValidator().Validate(null, new CallerRateLimitOptions { PermitsPerSecond = permits, Burst = burst }), refused);

    [Theory]
    [InlineData(60, 50_000, 10_000, null)]
    [InlineData(0, 50_000, 10_000, "Audit:RollupWindow")]
    [InlineData(3601, 50_000, 10_000, "Audit:RollupWindow")]
    [InlineData(60, 99, 10_000, "Audit:RollupCapacity")]
    [InlineData(60, 50_000, 99, "Audit:DecisionRollupCapacity")]
    public void Audit_rollups_are_bounded(int windowSeconds, int capacity, int decisions, string? refused) =>
        AssertRefused(new AuditOptionsValidator().Validate(null, new AuditOptions
        {
            RollupWindow = TimeSpan.FromSeconds(windowSeconds),
            RollupCapacity = capacity,
            DecisionRollupCapacity = decisions,
        }), refused);

    [Theory]
    [InlineData(30, null)]
    [InlineData(61, "Storage:ConnectionSnapshotMaxStaleness")]
    public void The_snapshot_staleness_under_slow_storage_is_bounded(int seconds, string? refused) =>
        AssertRefused(new StorageOptionsValidator().Validate(null, new StorageOptions
        {
            ConnectionString = "UseDevelopmentStorage=true",
            ConnectionSnapshotMaxStaleness = TimeSpan.FromSeconds(seconds),
        }), refused);

    [Theory]
    [InlineData("00:05:00", null)]
    [InlineData("00:01:00", null)]
    [InlineData("00:10:00", null)]
    [InlineData("00:00:59", "Connect:CompletionLifetime")]
    [InlineData("00:10:01", "Connect:CompletionLifetime")]
    public void A_completion_code_lives_at_most_ten_minutes(string lifetime, string? refused) =>
        AssertRefused(ConnectValidator("https://credentials.example.com").Validate(null, new ConnectOptions
        {
            CompletionLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture),
        }), refused);

    [Fact]
    public void A_completion_code_lives_five_minutes_by_default() => Assert.Equal(TimeSpan.FromMinutes(5), new ConnectOptions().CompletionLifetime);

    [Theory]
    [InlineData("http://127.0.0.1:7071", null)]
    [InlineData("https://credentials.example.com", "Connect:InsecureDevelopmentCookie")]
    [InlineData("https://127.0.0.1:7071", "Connect:InsecureDevelopmentCookie")]
    public void The_development_cookie_is_only_for_an_http_loopback_service(string publicBaseUrl, string? refused) =>
        AssertRefused(ConnectValidator(publicBaseUrl).Validate(null, new ConnectOptions { InsecureDevelopmentCookie = true }), refused);

    private static ConnectOptionsValidator ConnectValidator(string publicBaseUrl) =>
        new(Microsoft.Extensions.Options.Options.Create(new ServiceOptions { PublicBaseUrl = new Uri(publicBaseUrl) }));

    private static void AssertRefused(Microsoft.Extensions.Options.ValidateOptionsResult result, string? refused)
    {
        if (refused is null)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
            return;
        }

        Assert.True(result.Failed);
        Assert.Contains(refused, result.FailureMessage, StringComparison.Ordinal);
    }
}
