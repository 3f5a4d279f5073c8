@description('What an operator looks at and what pages them: a workbook over the app\'s metrics and the access logs, and alert rules (docs/operations.md).')
param location string
param tags object
param workspaceId string

@description('Action group the alerts notify; empty: the alerts fire in the portal only.')
param actionGroupId string

@description('Failed refreshes of one provider in 15 minutes above which the refresh alert fires.')
param refreshFailureThreshold int

@description('Connections that became reauthorization_required in one hour above which the reauthorization alert fires.')
param reauthorizationThreshold int

@description('Audit events lost (could not be written) in 5 minutes above which the audit alert fires.')
param auditFailureThreshold int

@description('Failed master-key reads from Key Vault in 5 minutes above which the Key Vault alert fires.')
param masterKeyFailureThreshold int

var alerts = [
  {
    name: 'credentials-refresh-failures'
    displayName: 'Credentials: refreshes failing for a provider'
    severity: 2
    window: 'PT15M'
    threshold: refreshFailureThreshold
    dimensions: [{ name: 'provider', operator: 'Include', values: ['*'] }]
    query: 'AppMetrics | where Name == "credentials.refresh.outcomes" and tostring(Properties.outcome) == "failed" | summarize value = sum(Sum) by provider = tostring(Properties.provider)'
  }
  {
    name: 'credentials-reauthorization-spike'
    displayName: 'Credentials: reauthorizations spiking'
    severity: 2
    window: 'PT1H'
    threshold: reauthorizationThreshold
    dimensions: [{ name: 'provider', operator: 'Include', values: ['*'] }]
    query: 'AppMetrics | where Name == "credentials.connection.status_changes" and tostring(Properties.status) == "reauthorization_required" | summarize value = sum(Sum) by provider = tostring(Properties.provider)'
  }
  {
    name: 'credentials-audit-failures'
    displayName: 'Credentials: audit events lost'
    severity: 1
    window: 'PT5M'
    threshold: auditFailureThreshold
    dimensions: []
    query: 'AppMetrics | where Name == "credentials.audit.dropped" | summarize value = sum(Sum)'
  }
  {
    name: 'credentials-master-key-unavailable'
    displayName: 'Credentials: Key Vault master key cannot be read'
    severity: 1
    window: 'PT5M'
    threshold: masterKeyFailureThreshold
    dimensions: []
    query: 'AppMetrics | where Name == "credentials.master_key.unavailable" | summarize value = sum(Sum)'
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, 'credentials-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Credentials service operations'
    category: 'workbook'
    sourceId: workspaceId
    serializedData: loadTextContent('workbook.json')
  }
}

resource rules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in alerts: {
  name: alert.name
  location: location
  tags: tags
  properties: {
    displayName: alert.displayName
    description: 'See docs/operations.md, section ${alert.name}.'
    severity: alert.severity
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: alert.window
    scopes: [workspaceId]
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Total'
          metricMeasureColumn: 'value'
          dimensions: alert.dimensions
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    autoMitigate: true
    actions: { actionGroups: empty(actionGroupId) ? [] : [actionGroupId] }
  }
}]
