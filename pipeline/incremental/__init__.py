"""Work a warm cycle can skip because its inputs did not change since the last one."""
