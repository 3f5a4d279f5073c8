using System.Globalization;
using System.Text.RegularExpressions;
using Credentials.Functions.Foundation.Configuration;
using Microsoft.Extensions.Options;

namespace Credentials.Functions.AccessControl;

internal sealed partial class CallerAuthenticationOptionsValidator : IValidateOptions<CallerAuthenticationOptions>
{
    private const string Section = CallerAuthenticationOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CallerAuthenticationOptions options)
    {
        var failures = new List<string>();
        if (options.Issuers.Count == 0)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", "0", "Issuer")} is required: at least one trusted caller issuer (the Authress domain, or an OIDC issuer).");
        }

        for (var i = 0; i < options.Issuers.Count; i++)
        {
            ValidateIssuer(options.Issuers[i], i.ToString(CultureInfo.InvariantCulture), failures);
        }

        ValidateIssuersApart(options.Issuers, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateIssuer(TrustedIssuer issuer, string index, List<string> failures)
    {
        if (!WebUrls.IsSecureOrLoopback(issuer.Issuer))
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "Issuer")} must be an https URL (http only on loopback, for local tools).");
        }

        if (issuer.Kind == IssuerKind.Oidc && issuer.ServiceClientsOnly)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "ServiceClientsOnly")} applies to Authress issuers only; an OIDC issuer's workloads need an audience too.");
        }

        if (issuer.EffectiveAudiences.Count == 0 && !(issuer.Kind == IssuerKind.Authress && issuer.ServiceClientsOnly))
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "Audiences", "0")} is required: without an audience any token this issuer signs for any " +
                "application (any app of an Entra tenant, any application of an Authress account) would be accepted. Set it to this service's " +
                "application ID URI or client id (OIDC), or the Authress application id(s) whose user tokens call it; an Authress issuer whose user " +
                $"tokens must not call it at all sets {SettingName.Of(Section, "Issuers", index, "ServiceClientsOnly")} = true instead.");
        }

        if (issuer.Kind == IssuerKind.Oidc && string.IsNullOrEmpty(issuer.SubjectPrefix))
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "SubjectPrefix")} is required for an OIDC issuer (e.g. \"entra|\"): its subjects are not " +
                "Authress user ids, so they are asked about and granted in Authress with this prefix.");
        }
        else if (issuer.SubjectPrefix is { Length: > 0 } prefix && !PrefixShape().IsMatch(prefix))
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "SubjectPrefix")} must be 1-32 characters of A-Z a-z 0-9 - _ . + = ~ @ followed by one |, e.g. \"entra|\".");
        }

        if (issuer.EffectiveAlgorithms.Any(a => a.StartsWith("HS", StringComparison.OrdinalIgnoreCase) || a.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", index, "Algorithms")} may not allow symmetric (HS*) or unsigned tokens.");
        }
    }

    /// <summary>Two issuers must never name the same caller: one issuer may go without a prefix, the others' prefixes differ.</summary>
    private static void ValidateIssuersApart(List<TrustedIssuer> issuers, List<string> failures)
    {
        var unprefixed = issuers.Select((issuer, i) => (issuer, i)).Where(x => string.IsNullOrEmpty(x.issuer.SubjectPrefix)).ToList();
        if (unprefixed.Count > 1)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", unprefixed[1].i.ToString(CultureInfo.InvariantCulture), "SubjectPrefix")} is required: only one " +
                "trusted issuer may name callers by their bare sub, or a sub from one issuer would be taken for the same sub from another.");
        }

        var prefixes = issuers.Select(i => i.SubjectPrefix).Where(p => !string.IsNullOrEmpty(p)).ToList();
        if (prefixes.Distinct(StringComparer.Ordinal).Count() != prefixes.Count)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", "N", "SubjectPrefix")} must differ between issuers.");
        }

        var urls = issuers.Where(i => i.Issuer is { IsAbsoluteUri: true }).Select(i => i.Issuer!.AbsoluteUri.TrimEnd('/')).ToList();
        if (urls.Distinct(StringComparer.OrdinalIgnoreCase).Count() != urls.Count)
        {
            failures.Add($"{SettingName.Of(Section, "Issuers", "N", "Issuer")} may be listed once: list all of an issuer's audiences in one entry.");
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-_.+=~@]{1,32}\|$")]
    private static partial Regex PrefixShape();
}
