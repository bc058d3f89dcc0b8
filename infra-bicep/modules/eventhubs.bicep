// The event stream: an Event Hubs namespace (Standard, Entra ID only) with
//   web-events  tracking batches from the tracking API, read by ingestion
//   ad-events   ad-server records (JSON lines) from outside producers, read by the ad feed
// and one consumer group per hub for the function app's triggers.

@description('Name of the Event Hubs namespace.')
param name string

@description('Azure region.')
param location string

@description('Consumer group the function app reads both hubs with.')
param consumerGroupName string

@description('Partitions of web-events: the most instances that ingest at once (Standard: up to 32; fixed after creation).')
@minValue(1)
@maxValue(32)
param webEventsPartitions int = 8

@description('Partitions of ad-events.')
@minValue(1)
@maxValue(32)
param adEventsPartitions int = 4

@description('Throughput units to start with (1 TU: 1 MB/s or 1,000 events/s in).')
@minValue(1)
@maxValue(40)
param capacity int = 1

@description('Throughput units auto-inflate may grow to.')
@minValue(1)
@maxValue(40)
param maximumThroughputUnits int = 10

@description('Days events are kept (Standard: at most 7). Claim-check blobs live as long.')
@minValue(1)
@maxValue(7)
param retentionInDays int = 7

param tags object = {}

var hubs = [
  {
    name: 'web-events'
    partitions: webEventsPartitions
  }
  {
    name: 'ad-events'
    partitions: adEventsPartitions
  }
]

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: capacity
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    isAutoInflateEnabled: true
    maximumThroughputUnits: maximumThroughputUnits
  }
}

resource eventHubs 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = [for hub in hubs: {
  parent: namespace
  name: hub.name
  properties: {
    partitionCount: hub.partitions
    messageRetentionInDays: retentionInDays
  }
}]

resource consumerGroups 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = [for (hub, i) in hubs: {
  parent: eventHubs[i]
  name: consumerGroupName
  properties: {}
}]

output name string = namespace.name
output id string = namespace.id
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
