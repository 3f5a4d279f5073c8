using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.Providers;

/// <summary>
/// Names the account an ID token is about, so the person connecting can spot a wrong account before it is linked. Only
/// for display: the token came straight from the provider's token endpoint over TLS (OpenID Connect Core 3.1.3.7 lets
/// that channel stand in for the signature), and nothing is decided on it.
/// </summary>
public static class IdTokenAccount
{
    private const int MaxLength = 256;
    private static readonly string[] Claims = ["email", "preferred_username", "upn", "name", "sub"];

    /// <summary>The first of email, preferred_username, upn, name and sub that the token carries; null without a readable one.</summary>
    public static string? From(string? idToken)
    {
        var parts = idToken?.Split('.');
        if (parts is not { Length: 3 } || parts[1].Length > 16_384)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])));
            if (payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var claim in Claims)
            {
                if (payload.RootElement.TryGetProperty(claim, out var value) && value.ValueKind == JsonValueKind.String
                    && Printable(value.GetString()) is { Length: > 0 } account)
                {
                    return account;
                }
            }
        }
        catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
        {
        }

        return null;
    }

    private static string? Printable(string? text)
    {
        var kept = new string((text ?? string.Empty).Where(c => !char.IsControl(c)).ToArray()).Trim();
        return kept.Length <= MaxLength ? kept : kept[..MaxLength];
    }
}
