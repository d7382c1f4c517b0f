// SPDX-License-Identifier: GPL-2.0
/* The kernel-log reader: record parsing, and sequence gaps counted as dropped records. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>
#include "tap.h"
#include "kernel/kmsg.h"

static void test_parse(void)
{
	char a[] = "6,1234,5678901,-;hello world\n SUBSYSTEM=pci\n DEVICE=+pci:0000:00:01.0\n";
	char b[] = "12,7,0,c,caller=T1;kmscope: injected failure #1 into kt+0x1 [m]\n";
	char c[] = "junk without a prefix\n";
	struct km_kmsg_record r;

	ASSERT_EQ(km_kmsg_parse(a, &r), 0, "a record with a dictionary parses");
	ASSERT_EQ(r.seq, 1234, "its sequence number");
	ASSERT_EQ(r.level, 6, "its level (KERN_INFO)");
	ASSERT_EQ(r.facility, 0, "facility kernel");
	ASSERT_EQ(r.usec, 5678901, "its time");
	ASSERT_STREQ(r.text, "hello world", "the text, without the dictionary");
	ASSERT_EQ(km_kmsg_parse(b, &r), 0, "a user-facility record with a caller field");
	ASSERT_EQ(r.level, 4, "12 is level 4 (KERN_WARNING)");
	ASSERT_EQ(r.facility, 1, "12 is facility 1 (user)");
	ASSERT_TRUE(km_kmsg_match(&r, "injected failure #1"), "a match in the text");
	ASSERT_TRUE(!km_kmsg_match(&r, "caller=T1"), "no match in the prefix");
	ASSERT_EQ(km_kmsg_parse(c, &r), -EINVAL, "junk is refused");
}

/* Records 10, 11, then 15: 3 were overwritten before they were read. */
static void test_gaps(void)
{
	static const char *const recs[] = {
		"6,10,100,-;first\n", "6,11,101,-;second\n", "not a record", "6,15,105,-;after the gap\n",
	};
	struct km_kmsg_record r;
	struct km_kmsg k;
	int sv[2], i, n = 0, ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		tap_skip("sequence gaps", "no SOCK_SEQPACKET socketpair");
		return;
	}
	for (i = 0; i < 4; i++)
		if (write(sv[0], recs[i], strlen(recs[i])) < 0)
			abort();
	close(sv[0]);
	km_kmsg_from_fd(&k, sv[1]);
	while ((ret = km_kmsg_read(&k, &r)) == 1)
		n++;
	ASSERT_EQ(ret, 0, "read to the end");
	ASSERT_EQ(n, 3, "three records (the junk is skipped)");
	ASSERT_EQ(k.records, 3, "counted as read");
	ASSERT_EQ(k.dropped, 3, "12, 13 and 14 counted as dropped");
	ASSERT_STREQ(r.text, "after the gap", "the last record's text");
	km_kmsg_close(&k);
}

int main(void)
{
	test_parse();
	test_gaps();
	return tap_done();
}
