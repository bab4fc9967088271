# Lets nova-compute load test/minicloud/nova-driver/hoard_nova_fake.py as
# nova.virt.hoard_nova_fake (Nova loads compute drivers from the nova.virt package only).
# Only the mini-cloud's nova-compute runs with this directory on PYTHONPATH.
import os

import nova.virt

nova.virt.__path__.append(os.path.dirname(os.path.abspath(__file__)))
