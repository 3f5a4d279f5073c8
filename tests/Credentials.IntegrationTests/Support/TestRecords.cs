using Credentials.Functions.Connections;

namespace Credentials.Tests.Support;

internal static class TestRecords
{
    /// <summary>A new connection record holding the given tokens, encrypted by <paramref name="secrets"/>.</summary>
    public static async Task<ConnectionRecord> CreateAsync(
        ConnectionSecrets secrets, string userId, string connectionId, string refreshToken = "refresh-token-value", string? accessToken = "access-token-value")
    {
        var now = DateTimeOffset.UtcNow;
        var bare = new ConnectionRecord
        {
            UserId = userId,
            ConnectionId = connectionId,
            ProviderId = "google",
            Scopes = ["openid", "email"],
            CreatedAt = now,
            UpdatedAt = now,
            RefreshTokenEnvelope = [0],
        };
        return await secrets.WithTokensAsync(bare, refreshToken, accessToken, accessToken is null ? null : now.AddHours(1), "Bearer", CancellationToken.None);
    }
}
