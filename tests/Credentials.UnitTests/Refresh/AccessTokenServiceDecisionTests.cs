using System.Net;
using Credentials.Functions.Connections;
using Credentials.Functions.Refresh;

namespace Credentials.Tests.Refresh;

/// <summary>What a token read decides, on the in-memory records and a fake clock (the HTTP path is in the integration tests).</summary>
public sealed class AccessTokenServiceDecisionTests : IDisposable
{
    private readonly RefreshRig _rig = new();

    [Fact]
    public async Task No_record_is_not_found_and_asks_no_provider()
    {
        var result = await _rig.Service.GetAsync(RefreshRig.Request(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.NotFound, result.Failure?.Reason);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    [Fact]
    public async Task A_lost_grant_asks_for_reauthorization_with_the_providers_error_and_asks_no_provider()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1), r => r with { Status = ConnectionStatus.ReauthorizationRequired, LastErrorCode = "invalid_grant" });

        var result = await _rig.Service.GetAsync(RefreshRig.Request(), CancellationToken.None);

        Assert.Equal(TokenFailureReason.ReauthorizationRequired, result.Failure?.Reason);
        Assert.Equal("invalid_grant", result.Failure?.ErrorCode);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    [Fact]
    public async Task A_fresh_stored_token_is_handed_out_without_a_refresh_and_the_hand_out_is_marked()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1));

        var result = await _rig.Service.GetAsync(RefreshRig.Request(), CancellationToken.None);

        Assert.Equal("stored-access", result.Value?.AccessToken);
        Assert.Equal(0, _rig.ProviderCalls);
        Assert.Equal(RefreshRig.T0, (await _rig.StoredAsync())!.LastUsedAt);
    }

    [Fact]
    public async Task A_token_short_of_the_asked_validity_is_refreshed_stored_and_handed_out()
    {
        await _rig.ConnectAsync(TimeSpan.FromMinutes(1));

        var result = await _rig.Service.GetAsync(RefreshRig.Request(minValidity: TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.Equal("fresh-access", result.Value?.AccessToken);
        Assert.Equal(1, _rig.ProviderCalls);
        var stored = (await _rig.StoredAsync())!;
        Assert.Equal("fresh-access", await _rig.Secrets.ReadAccessTokenAsync(stored, CancellationToken.None));
        Assert.Null(stored.LeaseOwner);
    }

    [Fact]
    public async Task A_renewal_refreshes_a_fresh_token_unless_it_was_refreshed_within_the_renew_window()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1));

        var renewed = await _rig.Service.GetAsync(RefreshRig.Request(renew: true), CancellationToken.None);
        _rig.Time.Advance(TimeSpan.FromSeconds(10));
        var again = await _rig.Service.GetAsync(RefreshRig.Request(renew: true), CancellationToken.None);

        Assert.Equal("fresh-access", renewed.Value?.AccessToken);
        Assert.Equal("fresh-access", again.Value?.AccessToken);
        Assert.Equal(1, _rig.ProviderCalls);
    }

    [Fact]
    public async Task Fewer_scopes_get_a_narrower_token_from_the_provider_once_and_the_stored_token_stays()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1));
        _rig.Provider = form => (HttpStatusCode.OK, """{"access_token":"narrow-access","token_type":"Bearer","expires_in":3600,"scope":"email"}""");

        var narrowed = await _rig.Service.GetAsync(RefreshRig.Request(scopes: ScopeSet.Of("email")), CancellationToken.None);
        var cached = await _rig.Service.GetAsync(RefreshRig.Request(scopes: ScopeSet.Of("email")), CancellationToken.None);

        Assert.Equal("narrow-access", narrowed.Value?.AccessToken);
        Assert.Equal(["email"], narrowed.Value!.Scopes);
        Assert.Equal("narrow-access", cached.Value?.AccessToken);
        Assert.Equal(1, _rig.ProviderCalls);
        Assert.Contains("scope=email", _rig.Forms.Single(), StringComparison.Ordinal);
        Assert.Equal("stored-access", await _rig.Secrets.ReadAccessTokenAsync((await _rig.StoredAsync())!, CancellationToken.None));
    }

    [Fact]
    public async Task Scopes_beyond_the_grant_are_refused_before_the_provider_is_asked()
    {
        await _rig.ConnectAsync(TimeSpan.FromHours(1));

        var result = await _rig.Service.GetAsync(RefreshRig.Request(scopes: ScopeSet.Of("email", "calendar")), CancellationToken.None);

        Assert.Equal(TokenFailureReason.InvalidScope, result.Failure?.Reason);
        Assert.Equal(0, _rig.ProviderCalls);
    }

    public void Dispose() => _rig.Dispose();
}
