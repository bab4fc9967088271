/**
 * Karbor's names of the OpenStack resource types, as protectables, parameters and checkpoints
 * use them.
 */
export const OPENSTACK_RESOURCE_TYPES = {
  project: 'OS::Keystone::Project',
  server: 'OS::Nova::Server',
  volume: 'OS::Cinder::Volume',
  image: 'OS::Glance::Image',
  share: 'OS::Manila::Share',
  network: 'OS::Neutron::Network',
  database: 'OS::Trove::Instance',
  pod: 'OS::Kubernetes::Pod',
} as const;
