using System.Globalization;
using Azure.Data.Tables;
using Azure.Identity;
using Credentials.AuditVerify;

// Verifies the audit table's hash chains (docs/operations.md, "Verifying the audit trail"):
//   dotnet run --project tools/AuditVerify -- --table-endpoint https://<account>.table.core.windows.net [--table CredentialAudit] [--from 2026-12-01] [--to 2026-12-06]
// Signs in with DefaultAzureCredential (needs Storage Table Data Reader on the table), or uses
// AUDIT_STORAGE_CONNECTION_STRING (e.g. Azurite) when set. Exit code 0: every chain intact; 1: broken links; 2: usage.
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
DateOnly Day(string name, DateOnly fallback) => Arg(name) is { } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : fallback;

var connectionString = Environment.GetEnvironmentVariable("AUDIT_STORAGE_CONNECTION_STRING");
var endpoint = Arg("--table-endpoint");
if (string.IsNullOrWhiteSpace(connectionString) && string.IsNullOrWhiteSpace(endpoint))
{
    Console.Error.WriteLine("audit verify: name the table service with --table-endpoint https://<account>.table.core.windows.net (or set AUDIT_STORAGE_CONNECTION_STRING).");
    return 2;
}

var today = DateOnly.FromDateTime(DateTime.UtcNow);
var (from, to) = (Day("--from", today.AddDays(-1)), Day("--to", today));
var service = string.IsNullOrWhiteSpace(connectionString)
    ? new TableServiceClient(new Uri(endpoint!), new DefaultAzureCredential())
    : new TableServiceClient(connectionString);
var findings = await AuditChainVerifier.VerifyAsync(service.GetTableClient(Arg("--table") ?? "CredentialAudit"), from, to, CancellationToken.None);
if (findings.Count == 0)
{
    Console.WriteLine($"audit verify: {from:yyyy-MM-dd} to {to:yyyy-MM-dd}: every chain intact.");
    return 0;
}

Console.WriteLine($"audit verify: {from:yyyy-MM-dd} to {to:yyyy-MM-dd}: {findings.Count} broken link(s); the first: {findings[0]}");
foreach (var finding in findings)
{
    Console.WriteLine("  " + finding);
}

return 1;
