/* A running virtual clock (clock_run, lab_clock_run): what the daemon does
 * to a lab so that a lab prepared on the virtual clock behaves live as it
 * did in-process, with time moving and `clock advance` still working. */
#include "emulator/clock.h"
#include "emulator/lab.h"
#include "tests/unit/unit.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void test_clock_run(void)
{
    struct clock c;
    clock_init_virtual(&c, CLOCK_DEFAULT_START);
    clock_run(&c);
    CU_ASSERT_TRUE(c.running);
    int64_t t0 = clock_now(&c);
    CU_ASSERT_TRUE(t0 == CLOCK_DEFAULT_START || t0 == CLOCK_DEFAULT_START + 1);
    sleep_ms(1100);
    int64_t t1 = clock_now(&c);
    CU_ASSERT_TRUE(t1 >= CLOCK_DEFAULT_START + 1 && t1 <= CLOCK_DEFAULT_START + 3);
    /* A step adds to the running time and the clock keeps running. */
    CU_ASSERT_EQUAL(clock_advance(&c, 86400), 0);
    int64_t t2 = clock_now(&c);
    CU_ASSERT_TRUE(t2 >= t1 + 86400 && t2 <= t1 + 86400 + 1);
    CU_ASSERT_TRUE(c.running);
    CU_ASSERT_EQUAL(clock_advance(&c, -1), EINVAL);
    CU_ASSERT_EQUAL(clock_set(&c, 1000), 0);
    int64_t t3 = clock_now(&c);
    CU_ASSERT_TRUE(t3 == 1000 || t3 == 1001);
    CU_ASSERT_EQUAL(clock_set(&c, -1), EINVAL);
    /* Running twice does not restart it. */
    int64_t since = c.since_ms;
    clock_run(&c);
    CU_ASSERT_EQUAL(c.since_ms, since);
    /* A wall clock is left alone; a frozen virtual clock stays frozen. */
    struct clock w;
    clock_init_wall(&w);
    clock_run(&w);
    CU_ASSERT_FALSE(w.virtual_time);
    CU_ASSERT_FALSE(w.running);
    CU_ASSERT_TRUE(clock_now(&w) > 1500000000);
    struct clock f;
    clock_init_virtual(&f, 5000);
    sleep_ms(20);
    CU_ASSERT_EQUAL(clock_now(&f), 5000);
}

static void test_lab_clock_run(void)
{
    const char *dir = unit_tmpdir();
    char d[512], err[256];
    snprintf(d, sizeof d, "%s", dir);
    struct lab *lab;
    struct machine *m;
    UNIT_ASSERT_STATUS_FATAL(lab_open(d, true, &lab, err, sizeof err), STATUS_SUCCESS);
    UNIT_ASSERT_STATUS_FATAL(
        lab_machine_add(lab, "SRV", ROLE_STANDALONE, OSVER_NT4, NULL, "Adm1n!", &m),
        STATUS_SUCCESS);
    UNIT_ASSERT_STATUS(lab_clock_set(lab, 2000000000), STATUS_SUCCESS);
    lab_clock_run(lab);
    CU_ASSERT_TRUE(lab_clock_is_virtual(lab));
    sleep_ms(1100);
    int64_t t = lab_clock_now(lab);
    CU_ASSERT_TRUE(t >= 2000000001 && t <= 2000000003);
    /* Machines move with the lab. */
    int64_t mt = machine_now(lab_machine_find(lab, "SRV"));
    CU_ASSERT_TRUE(mt >= t && mt <= t + 1);
    /* advance: from the running time, written durably, still running. */
    UNIT_ASSERT_STATUS(lab_clock_advance(lab, 3600), STATUS_SUCCESS);
    int64_t after = lab_clock_now(lab);
    CU_ASSERT_TRUE(after >= t + 3600 && after <= t + 3601);
    CU_ASSERT_TRUE(machine_clock(lab_machine_find(lab, "SRV"))->running);
    /* set keeps it running too. */
    UNIT_ASSERT_STATUS(lab_clock_set(lab, 2100000000), STATUS_SUCCESS);
    CU_ASSERT_TRUE(machine_clock(lab_machine_find(lab, "SRV"))->running);
    UNIT_ASSERT_STATUS(lab_clock_advance(lab, 60), STATUS_SUCCESS);
    lab_free(lab);
    /* What was written is the time reached, and a new process starts
     * frozen there. */
    UNIT_ASSERT_STATUS_FATAL(lab_open(d, false, &lab, err, sizeof err), STATUS_SUCCESS);
    t = lab_clock_now(lab);
    CU_ASSERT_TRUE(t >= 2100000060 && t <= 2100000061);
    CU_ASSERT_FALSE(machine_clock(lab_machine_find(lab, "SRV"))->running);
    /* A wall-clock lab stays on wall time. */
    lab_clock_use_wall(lab);
    lab_clock_run(lab);
    CU_ASSERT_FALSE(lab_clock_is_virtual(lab));
    UNIT_ASSERT_STATUS(lab_clock_advance(lab, 60), STATUS_INVALID_PARAMETER);
    lab_free(lab);
    unit_rmtree(d);
}

void suite_clockrun(void)
{
    UNIT_SUITE("clockrun", UNIT_TEST(test_clock_run), UNIT_TEST(test_lab_clock_run));
}
