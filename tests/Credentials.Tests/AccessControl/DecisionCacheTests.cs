using Credentials.AuthressLocal;
using Credentials.Functions.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Credentials.Tests.AccessControl;

public sealed class DecisionCacheTests
{
    private static readonly CredentialAccess Access = new(CredentialPermissions.Read, "u1", "google");

    [Fact]
    public void Allows_and_denies_expire_after_their_own_durations_and_failures_are_never_cached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new AuthorizationDecisionCache(
            Options.Create(new AuthorizationOptions { AllowCacheDuration = TimeSpan.FromSeconds(30), DenyCacheDuration = TimeSpan.FromSeconds(2) }), time);

        cache.Remember("allowed-caller", Access, new AuthorizationOutcome(AuthorizationVerdict.Allowed, "granted"));
        cache.Remember("denied-caller", Access, new AuthorizationOutcome(AuthorizationVerdict.Denied, "no_grant"));
        cache.Remember("failed-caller", Access, new AuthorizationOutcome(AuthorizationVerdict.Unavailable, "authress_unreachable"));

        Assert.Equal(AuthorizationVerdict.Allowed, cache.Find("allowed-caller", Access)?.Verdict);
        Assert.Equal(AuthorizationVerdict.Denied, cache.Find("denied-caller", Access)?.Verdict);
        Assert.Null(cache.Find("failed-caller", Access));
        Assert.Null(cache.Find("allowed-caller", Access with { ConnectionId = "github" }));

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(cache.Find("denied-caller", Access));
        Assert.NotNull(cache.Find("allowed-caller", Access));

        time.Advance(TimeSpan.FromSeconds(28));
        Assert.Null(cache.Find("allowed-caller", Access));
    }

    [Fact]
    public void Zero_durations_disable_caching()
    {
        using var cache = new AuthorizationDecisionCache(
            Options.Create(new AuthorizationOptions { AllowCacheDuration = TimeSpan.Zero, DenyCacheDuration = TimeSpan.Zero }), TimeProvider.System);

        cache.Remember("caller", Access, new AuthorizationOutcome(AuthorizationVerdict.Allowed, "granted"));

        Assert.Null(cache.Find("caller", Access));
    }

    [Theory]
    [InlineData("/user-credentials/refresh-tokens/users/*", "/user-credentials/refresh-tokens/users/u1/connections/google", true)]
    [InlineData("/user-credentials/refresh-tokens/users/u1", "/user-credentials/refresh-tokens/users/u1/connections/google", true)]
    [InlineData("/user-credentials/refresh-tokens/users/u1", "/user-credentials/refresh-tokens/users/u2", false)]
    [InlineData("/user-credentials/refresh-tokens/users/u1/connections/google", "/user-credentials/refresh-tokens/users/u1", false)]
    public void The_local_endpoint_cascades_grants_to_sub_resources(string pattern, string resource, bool expected) =>
        Assert.Equal(expected, Grants.ResourceMatches(pattern, resource));

    [Theory]
    [InlineData("credentials:read", "credentials:read", true)]
    [InlineData("credentials:*", "credentials:delete", true)]
    [InlineData("*", "credentials:read", true)]
    [InlineData("credentials", "credentials:read", true)]
    [InlineData("credentials:list", "credentials:read", false)]
    public void The_local_endpoint_matches_actions_like_authress(string granted, string requested, bool expected) =>
        Assert.Equal(expected, Grants.ActionMatches(granted, requested));
}
