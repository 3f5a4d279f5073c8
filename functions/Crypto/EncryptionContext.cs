namespace Credentials.Functions.Crypto;

/// <summary>Where a ciphertext belongs: table, row and field. Bound into the AEAD associated data.</summary>
public readonly record struct EncryptionContext(string Table, string PartitionKey, string RowKey, SecretField Field);
