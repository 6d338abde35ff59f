/** Reported in enrolment and heartbeats; bump with every release shipped to Pis. */
export const AGENT_VERSION = '0.1.0';
