using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Credentials.Functions.OAuthConnect;

/// <summary>RFC 7636 with S256: a verifier of 32 random octets, base64url, and its SHA-256 challenge.</summary>
internal static class Pkce
{
    public static string CreateVerifier() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string ChallengeFor(string verifier) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
