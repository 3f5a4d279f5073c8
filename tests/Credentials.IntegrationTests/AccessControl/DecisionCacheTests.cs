using Credentials.Functions.AccessControl;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.AccessControl;

public sealed class DecisionCacheTests
{
    private static readonly CredentialAccess Access = new(CredentialPermissions.Read, "u1", "google");
    private static readonly string Resource = Access.ResourceUri;
    private static readonly string Permission = Access.Permission;

    [Fact]
    public void Allows_and_denies_expire_after_their_own_durations_and_failures_are_never_cached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new AuthorizationDecisionCache(
            Options.Create(new AuthorizationOptions { AllowCacheDuration = TimeSpan.FromSeconds(30), DenyCacheDuration = TimeSpan.FromSeconds(2) }), time);

        cache.Remember("allowed-caller", Resource, Permission, new AuthorizationOutcome(AuthorizationVerdict.Allowed, "granted"));
        cache.Remember("denied-caller", Resource, Permission, new AuthorizationOutcome(AuthorizationVerdict.Denied, "no_grant"));
        cache.Remember("failed-caller", Resource, Permission, new AuthorizationOutcome(AuthorizationVerdict.Unavailable, "authress_unreachable"));

        Assert.Equal(AuthorizationVerdict.Allowed, cache.Find("allowed-caller", Resource, Permission)?.Verdict);
        Assert.Equal(AuthorizationVerdict.Denied, cache.Find("denied-caller", Resource, Permission)?.Verdict);
        Assert.Null(cache.Find("failed-caller", Resource, Permission));
        Assert.Null(cache.Find("allowed-caller", (Access with { ConnectionId = "github" }).ResourceUri, Permission));

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(cache.Find("denied-caller", Resource, Permission));
        Assert.NotNull(cache.Find("allowed-caller", Resource, Permission));

        time.Advance(TimeSpan.FromSeconds(28));
        Assert.Null(cache.Find("allowed-caller", Resource, Permission));
    }

    [Fact]
    public void A_denial_on_the_whole_collection_is_kept_as_long_as_an_allow_since_it_only_sends_the_caller_to_the_finer_check()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new AuthorizationDecisionCache(
            Options.Create(new AuthorizationOptions { AllowCacheDuration = TimeSpan.FromSeconds(30), DenyCacheDuration = TimeSpan.FromSeconds(2) }), time);

        cache.Remember("caller", CredentialAccess.UsersRoot, Permission, new AuthorizationOutcome(AuthorizationVerdict.Denied, "no_grant"), denialMeansFallBack: true);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(AuthorizationVerdict.Denied, cache.Find("caller", CredentialAccess.UsersRoot, Permission)?.Verdict);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(cache.Find("caller", CredentialAccess.UsersRoot, Permission));
    }

    [Fact]
    public void Zero_durations_disable_caching()
    {
        using var cache = new AuthorizationDecisionCache(
            Options.Create(new AuthorizationOptions { AllowCacheDuration = TimeSpan.Zero, DenyCacheDuration = TimeSpan.Zero }), TimeProvider.System);

        cache.Remember("caller", Resource, Permission, new AuthorizationOutcome(AuthorizationVerdict.Allowed, "granted"));

        Assert.Null(cache.Find("caller", Resource, Permission));
    }
}
