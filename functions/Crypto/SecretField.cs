namespace Credentials.Functions.Crypto;

/// <summary>Which secret a ciphertext holds. Part of the associated data, so a ciphertext moved to another field fails.</summary>
public enum SecretField
{
    RefreshToken = 1,
    AccessToken = 2,
    PkceVerifier = 3,
}
